"""A real SMTP server for the mail tests: aiosmtpd on loopback, keeping what it receives.

  smtp-server.py PORT_FILE MAIL_DIR [--tls CERT KEY] [--auth USER:PASSWORD] [--refuse CODE] [--no-pipelining]

Writes its port to PORT_FILE once listening; each message received is saved in MAIL_DIR as
<n>.eml with its envelope in <n>.json. --tls offers STARTTLS and requires it; --auth requires
AUTH (PLAIN and LOGIN) with those credentials; --refuse answers every message's DATA with CODE
(such as 451 or 550).
"""

import argparse
import asyncio
import json
import os
import signal
import socket
import ssl

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

parser = argparse.ArgumentParser()
parser.add_argument("port_file")
parser.add_argument("mail_dir")
parser.add_argument("--tls", nargs=2)
parser.add_argument("--auth")
parser.add_argument("--refuse", type=int)
arguments = parser.parse_args()


class Keeper:
    count = 0

    async def handle_DATA(self, server, session, envelope):
        if arguments.refuse:
            return f"{arguments.refuse} {'4.3.0 try again later' if arguments.refuse < 500 else '5.1.1 no such mailbox'}"
        Keeper.count += 1
        path = os.path.join(arguments.mail_dir, str(Keeper.count))
        # Each file written aside and renamed into place, the envelope first: a reader that
        # sees <n>.eml sees the whole message and its envelope.
        with open(path + ".json.part", "w") as file:
            json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos, "tls": session.ssl is not None,
                       "authenticated": bool(session.authenticated)}, file)
        os.rename(path + ".json.part", path + ".json")
        with open(path + ".eml.part", "wb") as file:
            file.write(envelope.original_content)
        os.rename(path + ".eml.part", path + ".eml")
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    user, password = arguments.auth.split(":", 1)
    good = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
    # An explicit message: without one this aiosmtpd version leaves a failed AUTH unanswered.
    return AuthResult(success=True) if good else AuthResult(success=False, handled=False, message="535 5.7.8 Authentication credentials invalid")


options = {}
if arguments.tls:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*arguments.tls)
    options.update(tls_context=context, require_starttls=True)
if arguments.auth:
    options.update(authenticator=authenticator, auth_required=True, auth_require_tls=bool(arguments.tls))
# The controller checks it is up by connecting to its port, so the port is chosen first.
probe = socket.socket()
probe.bind(("127.0.0.1", 0))
port = probe.getsockname()[1]
probe.close()
# Blocked before the server's thread starts (it inherits the mask), so only sigwait sees them.
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
controller = Controller(Keeper(), hostname="127.0.0.1", port=port, **options)
controller.start()
with open(arguments.port_file + ".tmp", "w") as file:
    file.write(str(port))
os.rename(arguments.port_file + ".tmp", arguments.port_file)
signal.sigwait({signal.SIGTERM, signal.SIGINT})
controller.stop()
