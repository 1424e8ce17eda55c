#!/usr/bin/env python3
"""Captures the CreateInvalidation bodies botocore puts on the wire, into requests/.

Re-run from the repository root (botocore is pinned in tests/e2e/requirements.txt):

    .venv/bin/python Tests/EdgeAdminAPITests/Fixtures/capture_requests.py

Nothing is sent: a 'before-send' hook records the prepared request and stops it. The
credentials are dummies; the body does not depend on them or on the clock.
"""

import pathlib
import sys

from fixture_support import cloudfront_client

import botocore  # noqa: E402 (after fixture_support, which isolates the environment)

HERE = pathlib.Path(__file__).resolve().parent

CASES = {
    # What `aws cloudfront create-invalidation --paths /index.html '/images/*'` sends.
    "create-invalidation-two-paths.xml": (["/index.html", "/images/*"], "cli-1700000000-123"),
    "create-invalidation-wildcard.xml": (["/*"], "deploy-2026-11-29T20:31:05Z"),
    # Markup characters and non-ASCII in paths and the caller reference.
    "create-invalidation-escaped.xml": (
        ["/a&b<c>.html", "/caf\u00e9 \"q\" 's'.png", "/\u65e5\u672c/\u00bd]]>*"],
        "ref & <ok> \"quoted\"",
    ),
}


class Captured(Exception):
    pass


def main():
    client = cloudfront_client()
    bodies = []

    def capture(request, **_):
        bodies.append((request.method, request.url, request.body))
        raise Captured()

    client.meta.events.register("before-send", capture)
    for filename, (paths, reference) in CASES.items():
        try:
            client.create_invalidation(DistributionId="EDFDVBD6EXAMPLE", InvalidationBatch={
                "Paths": {"Quantity": len(paths), "Items": paths}, "CallerReference": reference})
        except Captured:
            pass
        method, url, body = bodies[-1]
        assert method == "POST" and url.endswith("/2020-05-31/distribution/EDFDVBD6EXAMPLE/invalidation"), url
        (HERE / "requests" / filename).write_bytes(body)
        print(f"{filename}: {len(body)} bytes")
    print(f"botocore {botocore.__version__}, Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
