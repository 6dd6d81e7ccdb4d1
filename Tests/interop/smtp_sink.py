"""A loopback SMTP server for the email alert test (aiosmtpd from PyPI).

Usage: smtp_sink.py <output.jsonl>. Listens on 127.0.0.1 on a free port, prints the port on its
first line, and appends one JSON object per received message: envelope sender, recipients and
the raw content. Runs until killed."""
import json, socket, sys, time
from aiosmtpd.controller import Controller

out = sys.argv[1]

class Sink:
    async def handle_DATA(self, server, session, envelope):
        with open(out, "a") as f:
            f.write(json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                                "content": envelope.content.decode("utf-8", "replace")}) + "\n")
        return "250 Message accepted for delivery"

s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
controller = Controller(Sink(), hostname="127.0.0.1", port=port)
controller.start()
print(port, flush=True)
while True:
    time.sleep(3600)
