"""The checklist screens: cases, their tasks, my tasks and the departure statement."""
