"""A scripted Twilio-compatible SMS API for the text message tests: no real provider can be
run here, and none would fail on demand. It checks every byte of each request it is sent
against what Twilio's Messages endpoint requires, answers as Twilio does, and reports each
accepted message's delivery to its StatusCallback, signed with X-Twilio-Signature as Twilio
signs (HMAC-SHA1 under the auth token over the URL and the sorted fields).

  sms-server.py PORT_FILE LOG_FILE ACCOUNT_SID AUTH_TOKEN [--fail-first N] [--fail-status CODE] [--refuse-to NUMBER]

Each request is appended to LOG_FILE as a JSON line: its method, path, headers, raw body,
fields, the faults found (an empty list when it is exactly right) and the answer's status;
each status report sent, with the status the box office answered it with.
"""
import argparse
import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("port_file")
parser.add_argument("log_file")
parser.add_argument("sid")
parser.add_argument("token")
parser.add_argument("--fail-first", type=int, default=0)
parser.add_argument("--fail-status", type=int, default=429)
parser.add_argument("--refuse-to")
arguments = parser.parse_args()
lock = threading.Lock()
failures_left = arguments.fail_first


def log(entry):
    with lock, open(arguments.log_file, "a") as file:
        file.write(json.dumps(entry) + "\n")


def signature(url, fields):
    text = url + "".join(name + value for name, value in sorted(fields))
    return base64.b64encode(hmac.new(arguments.token.encode(), text.encode(), hashlib.sha1).digest()).decode()


def report(callback, sid, to, sender):
    time.sleep(0.2)
    fields = [("AccountSid", arguments.sid), ("From", sender), ("MessageSid", sid), ("MessageStatus", "delivered"),
              ("SmsSid", sid), ("To", to)]
    request = urllib.request.Request(callback, data=urllib.parse.urlencode(fields).encode(), method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature(callback, fields)})
    try:
        status = urllib.request.urlopen(request, timeout=10).status
    except urllib.error.HTTPError as error:
        status = error.code
    log({"report": sid, "status": "delivered", "answered": status})


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        return status

    def do_POST(self):
        global failures_left
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        faults = []
        if self.path != f"/2010-04-01/Accounts/{arguments.sid}/Messages.json":
            faults.append(f"path {self.path}")
        expected = "Basic " + base64.b64encode(f"{arguments.sid}:{arguments.token}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            faults.append("authorization")
        if self.headers.get("Content-Type") != "application/x-www-form-urlencoded":
            faults.append(f"content type {self.headers.get('Content-Type')}")
        try:
            fields = urllib.parse.parse_qsl(raw.decode("ascii"), keep_blank_values=True, strict_parsing=True)
        except (UnicodeDecodeError, ValueError):
            fields, faults = [], faults + ["the body is not an ASCII form"]
        names = [name for name, _ in fields]
        sender_field = "MessagingServiceSid" if "MessagingServiceSid" in names else "From"
        if sorted(names) != sorted(["To", sender_field, "Body", "StatusCallback"]):
            faults.append(f"fields {names}")
        values = dict(fields)
        if not re.fullmatch(r"\+[1-9][0-9]{7,14}", values.get("To", "")):
            faults.append("To is not E.164")
        if not 1 <= len(values.get("Body", "")) <= 1600:
            faults.append("Body is empty or too long")
        if not re.fullmatch(r"https?://[^\s]+", values.get("StatusCallback", "")):
            faults.append("StatusCallback is not a URL")
        entry = {"method": self.command, "path": self.path, "headers": dict(self.headers), "raw": raw.decode("latin-1"),
                 "fields": values, "faults": faults}
        if faults:
            entry["answered"] = self.answer(400, {"code": 21000, "message": "; ".join(faults), "status": 400})
        elif arguments.refuse_to and values["To"] == arguments.refuse_to:
            entry["answered"] = self.answer(400, {"code": 21211, "message": f"The 'To' number {values['To']} is not a valid phone number.",
                                                  "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400})
        else:
            with lock:
                failing = failures_left > 0
                failures_left -= 1 if failing else 0
            if failing:
                entry["answered"] = self.answer(arguments.fail_status, {"code": 20429, "message": "Too Many Requests",
                                                                        "status": arguments.fail_status})
            else:
                sid = "SM" + secrets.token_hex(16)
                entry["sid"] = sid
                entry["answered"] = self.answer(201, {"sid": sid, "status": "queued", "to": values["To"], "body": values["Body"],
                                                      "account_sid": arguments.sid})
                threading.Thread(target=report, args=(values["StatusCallback"], sid, values["To"], values.get(sender_field, ""))).start()
        log(entry)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(arguments.port_file, "w") as file:
    file.write(str(server.server_address[1]))
server.serve_forever()
