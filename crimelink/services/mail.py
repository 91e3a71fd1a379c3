"""A small mailer over :mod:`smtplib`: plain-text messages through the configured SMTP server.

One call sends a batch over one connection and answers, message by message, whether the server took it
and, if not, why. Nothing raises for a server that is down or refuses a recipient: the caller records
each answer (``reminders_sent``), so a failed run keeps the record of what was attempted.

>>> mailer = SmtpMailer(host="smtp.example.org", port=587, sender="crimelink@example.org", starttls=True)
>>> # mailer.send([MailMessage(to="ds.shah@example.org", subject="...", body="...")])
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from crimelink.errors import ConfigurationError
from crimelink.settings import Settings

__all__ = ["Delivery", "MailMessage", "SmtpMailer"]

#: SMTP line endings; headers are folded only past SMTP's own limit, so subjects arrive whole.
_POLICY = policy.SMTP.clone(max_line_length=998)


@dataclass(frozen=True)
class MailMessage:
    """A plain-text e-mail to one recipient."""

    to: str
    subject: str
    body: str


@dataclass(frozen=True)
class Delivery:
    """What the server said about one message: taken (``delivered``), or the reason it was not."""

    message: MailMessage
    delivered: bool
    error: str = ""


class SmtpMailer:
    """Sends plain-text e-mail through one SMTP server (optionally STARTTLS and a login)."""

    def __init__(
        self,
        *,
        host: str,
        port: int = 25,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 10.0,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.username = username
        self.password = password
        self.starttls = starttls
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpMailer:
        """The mailer the settings describe; :class:`ConfigurationError` if no SMTP server is set."""
        if not settings.smtp_host:
            raise ConfigurationError(
                "no SMTP server is configured: set CRIMELINK_SMTP_HOST (and CRIMELINK_SMTP_PORT, "
                "CRIMELINK_SMTP_SENDER) to send reminder e-mails"
            )
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_sender,
            username=settings.smtp_username,
            password=password,
            starttls=settings.smtp_starttls,
            timeout=settings.smtp_timeout_seconds,
        )

    @property
    def server(self) -> str:
        """``host:port``, as messages about the server name it."""
        return f"{self.host}:{self.port}"

    def send(self, messages: Sequence[MailMessage]) -> list[Delivery]:
        """Send each message over one connection; one :class:`Delivery` per message, in order.

        If the server cannot be reached (or refuses the login), every message fails with that reason.
        """
        if not messages:
            return []
        try:
            connection = self._connect()
        except (OSError, smtplib.SMTPException) as exc:
            reason = f"could not connect to the SMTP server {self.server}: {_reason(exc)}"
            return [Delivery(message, False, reason) for message in messages]
        deliveries: list[Delivery] = []
        try:
            for message in messages:
                deliveries.append(self._send_one(connection, message))
        finally:
            try:
                connection.quit()
            except (OSError, smtplib.SMTPException):
                connection.close()
        return deliveries

    def _connect(self) -> smtplib.SMTP:
        connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.starttls:
                connection.starttls(context=ssl.create_default_context())
            if self.username:
                connection.login(self.username, self.password or "")
        except (OSError, smtplib.SMTPException):
            connection.close()
            raise
        return connection

    def _send_one(self, connection: smtplib.SMTP, message: MailMessage) -> Delivery:
        email = EmailMessage(policy=_POLICY)
        email["From"] = self.sender
        email["To"] = message.to
        email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=False)
        email["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        email.set_content(message.body)
        try:
            refused = connection.send_message(email)
        except smtplib.SMTPServerDisconnected as exc:
            return Delivery(message, False, f"the SMTP server {self.server} hung up: {_reason(exc)}")
        except (OSError, smtplib.SMTPException) as exc:
            return Delivery(message, False, f"the SMTP server {self.server} refused it: {_reason(exc)}")
        if refused:
            return Delivery(message, False, f"the SMTP server {self.server} refused {', '.join(refused)}")
        return Delivery(message, True)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        )
        return f"{exc.smtp_code} {text}".strip()
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {code} {text.decode('utf-8', 'replace')}"
            for address, (code, text) in exc.recipients.items()
        )
    if isinstance(exc, socket.timeout | TimeoutError):
        return "no answer in time"
    return str(exc) or type(exc).__name__
