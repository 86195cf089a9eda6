"""The credentials screens: the list, its forms and modals, rotation, campaigns and imports."""
