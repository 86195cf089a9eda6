"""Sorting messages: the practice's rules, the shipped ones, reclassifying, by-hand classes."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, update

from itexit.domain.errors import BadInput, NotFound
from itexit.domain.mailbox import (
    MessageClass,
    MessageRow,
    RuleSpec,
)
from itexit.domain.roles import Permission, Scope
from itexit.services.classify import Classifier
from itexit.services.mailbox.common import (
    headers_of,
    message_sealer,
)
from itexit.services.mailbox.messages import Messages
from itexit.store.mailbox import (
    MailMessage,
    MailRule,
)


class Rules(Messages):
    """Mail rules and classification."""

    def rules(self) -> list[RuleSpec]:
        """The practice's rules (tried first) then the shipped ones, in the order applied."""
        self.ctx.require(Permission.MAILBOX_READ)
        return Classifier(self._practice_rules()).specs

    def _practice_rules(self) -> list[RuleSpec]:
        if not self.ctx.holds(Scope.CRED):
            return []
        with self.ctx.reading() as session:
            rows = session.scalars(
                select(MailRule).order_by(MailRule.position, MailRule.created_at)
            )
            return [
                RuleSpec.model_validate(
                    {**self.ctx.unseal(row), "id": row.id, "position": row.position}
                )
                for row in rows
            ]

    def classifier(self) -> Classifier:
        return Classifier(self._practice_rules())

    def add_rule(self, spec: RuleSpec) -> RuleSpec:
        """A practice rule, tried before the shipped ones; `resort_all` then re-sorts the mail."""
        self.ctx.require(Permission.MAILBOX_REVIEW)
        spec.build()  # one clear sentence for a bad pattern, before anything is written
        with self.ctx.transaction() as session:
            position = int(session.scalar(select(func.max(MailRule.position))) or 0) + 1
            row = MailRule(id=str(uuid.uuid4()), position=position, version=1)
            document = spec.model_dump(mode="json", exclude={"id", "position", "origin"})
            self.ctx.seal(row, document, Scope.CRED)
            session.add(row)
            session.flush()
            self.ctx.record(
                session,
                "mailbox.rule.add",
                spec.name,
                rule_id=row.id,
                msg_class=spec.msg_class.value,
            )
        return spec.model_copy(update={"id": row.id, "position": position, "origin": "practice"})

    def find_rule(self, ref: str) -> RuleSpec:
        """A practice rule by id, by the first four or more characters of it, or by name."""
        ref = ref.strip()
        every = self.rules()
        found = [
            spec
            for spec in every
            if spec.origin == "practice"
            and (
                spec.id == ref
                or (len(ref) >= 4 and spec.id.startswith(ref))
                or spec.name.lower() == ref.lower()
            )
        ]
        if not found:
            if any(spec.name.lower() == ref.lower() for spec in every):
                raise BadInput(
                    f"{ref!r} is shipped with itexit and stays; "
                    "a practice rule added with `rule add` is tried before it."
                )
            raise NotFound(f"There is no practice mail rule {ref!r}.")
        if len(found) > 1:
            raise BadInput(f"More than one practice rule matches {ref!r}; use its id.")
        return found[0]

    def resort_all(self) -> dict[str, int]:
        """After a rule change: re-sort every mailbox; how many messages moved, per mailbox."""
        moved = {box.name: sum(self.reclassify(box.name).values()) for box in self.list_mailboxes()}
        return {name: n for name, n in moved.items() if n}

    def remove_rule(self, rule_id: str) -> None:
        self.ctx.require(Permission.MAILBOX_REVIEW)
        with self.ctx.transaction() as session:
            row = session.get(MailRule, rule_id)
            if row is None:
                raise NotFound(f"There is no practice mail rule {rule_id!r}.")
            session.delete(row)
            self.ctx.record(session, "mailbox.rule.remove", rule_id)

    def reclassify(self, ref: str) -> dict[str, int]:
        """Apply the current rules to every message not classified by hand."""
        self.ctx.require(Permission.MAILBOX_REVIEW)
        classifier = self.classifier()
        cipher = message_sealer(self.ctx)
        changes: dict[str, list[int]] = {}
        with self.ctx.reading() as session:
            box = self._find(session, ref)
            for row in self._message_rows(session, box.id):
                if row.manual_class:
                    continue
                doc = self._open(cipher, row)
                cls = classifier(headers_of(doc)).value
                if cls != row.msg_class:
                    changes.setdefault(cls, []).append(row.id)
        with self.ctx.transaction() as session:
            box = self._find(session, ref)
            for cls, ids in changes.items():
                for start in range(0, len(ids), 900):
                    session.execute(
                        update(MailMessage)
                        .where(MailMessage.id.in_(ids[start : start + 900]))
                        .values(msg_class=cls)
                    )
            counts = {cls: len(ids) for cls, ids in changes.items()}
            self.ctx.record(session, "mailbox.reclassify", box.name, changed=counts)
        return counts

    def set_class(self, ref: str, message_id: int, msg_class: MessageClass) -> MessageRow:
        """Classify one message by hand; later rule runs leave it alone."""
        self.ctx.require(Permission.MAILBOX_REVIEW)
        with self.ctx.transaction() as session:
            box = self._find(session, ref)
            row = self._message(session, box.id, message_id)
            session.execute(
                update(MailMessage)
                .where(MailMessage.id == row.id)
                .values(msg_class=msg_class.value, manual_class=True)
            )
            self.ctx.record(
                session, "mailbox.classify", box.name, message=row.id, msg_class=msg_class.value
            )
        return self.message(ref, message_id)
