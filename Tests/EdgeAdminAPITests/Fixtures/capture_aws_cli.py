#!/usr/bin/env python3
"""Captures the body `aws cloudfront create-invalidation` sends, into requests/aws-cli-create-invalidation.xml.

Needs the AWS CLI on PATH. Run from anywhere:

    python3 Tests/EdgeAdminAPITests/Fixtures/capture_aws_cli.py

A local HTTP server on 127.0.0.1 (a free port) takes the request and answers with
responses/invalidation-escaped.xml; nothing leaves the machine. The CLI writes its own
CallerReference (cli-<unix time>-<random>), so every run gives a different body; the one
committed is the run recorded in PROVENANCE.md. Note the CLI puts CallerReference before
Paths, unlike a direct botocore call.
"""

import http.server
import os
import pathlib
import subprocess
import threading

HERE = pathlib.Path(__file__).resolve().parent
captured = {}


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *_):
        pass

    def do_POST(self):
        captured["path"] = self.path
        captured["body"] = self.rfile.read(int(self.headers["Content-Length"]))
        body = (HERE / "responses" / "invalidation-escaped.xml").read_bytes()
        self.send_response(201)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    environment = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    environment.update(AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="secret", AWS_DEFAULT_REGION="us-east-1",
                       AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    version = subprocess.run(["aws", "--version"], env=environment, capture_output=True, text=True, check=True)
    subprocess.run(["aws", "cloudfront", "create-invalidation", "--endpoint-url",
                    f"http://127.0.0.1:{server.server_port}", "--distribution-id", "EDFDVBD6EXAMPLE",
                    "--paths", "/index.html", "/images/*"], env=environment, capture_output=True, check=True)
    server.shutdown()
    assert captured["path"] == "/2020-05-31/distribution/EDFDVBD6EXAMPLE/invalidation", captured["path"]
    (HERE / "requests" / "aws-cli-create-invalidation.xml").write_bytes(captured["body"])
    print(captured["body"].decode())
    print((version.stdout or version.stderr).strip())


if __name__ == "__main__":
    main()
