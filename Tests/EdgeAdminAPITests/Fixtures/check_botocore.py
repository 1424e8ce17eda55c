#!/usr/bin/env python3
"""Checks that botocore reads the documents in responses/ the way the AWS CLI needs.

The Swift tests render s3edge's documents and compare them byte for byte with responses/;
this script closes the loop by feeding those same files to botocore. It is run by hand, not
by `swift test`. From the repository root (botocore is pinned in tests/e2e/requirements.txt):

    .venv/bin/python Tests/EdgeAdminAPITests/Fixtures/check_botocore.py

It checks, for each file:
  * Invalidation / InvalidationList documents: botocore.parsers.RestXMLParser with the
    operation's output shape gives exactly the expected dict (types included: int, bool,
    timezone-aware datetime with milliseconds);
  * the same documents through a real CloudFront client (the response is injected by a
    'before-send' hook, nothing touches the network), including the ListInvalidations
    paginator following NextMarker and the invalidation_completed waiter;
  * error-<status>-<Code>.xml: a client call raises ClientError with that Code, Message,
    RequestId and HTTP status, and, where the service model has the shape, the modeled
    exception class (client.exceptions.<Code>).
Exits non-zero on the first mismatch.
"""

import datetime
import pathlib
import re
import sys
from urllib.parse import parse_qsl, urlsplit

from fixture_support import cloudfront_client

import botocore  # noqa: E402 (after fixture_support, which isolates the environment)
from botocore.awsrequest import AWSResponse  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402
from botocore.parsers import RestXMLParser  # noqa: E402
from dateutil.tz import tzutc  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
RESPONSES = HERE / "responses"


def at(year, month, day, hour, minute, second, millisecond):
    return datetime.datetime(year, month, day, hour, minute, second, millisecond * 1000, tzinfo=tzutc())


EXPECTED = {
    "get-invalidation.xml": ("GetInvalidation", {"Invalidation": {
        "Id": "I2J0I21PCUYOIK", "Status": "Completed", "CreateTime": at(2026, 11, 29, 20, 31, 5, 123),
        "InvalidationBatch": {"Paths": {"Quantity": 2, "Items": ["/index.html", "/images/*"]},
                              "CallerReference": "cli-1700000000-123"}}}),
    "invalidation-escaped.xml": ("CreateInvalidation", {"Invalidation": {
        "Id": "IEXAMPLE<1>", "Status": "InProgress", "CreateTime": at(2024, 2, 29, 23, 59, 59, 7),
        "InvalidationBatch": {"Paths": {"Quantity": 3, "Items": [
            "/a&b<c>.html", "/caf\u00e9 \"q\" 's'.png", "/line\r\nbreak]]>*"]},
            "CallerReference": "ref & <ok> \"quoted\" 'single'"}}}),
    "list-invalidations-first-page.xml": ("ListInvalidations", {"InvalidationList": {
        "Marker": "", "NextMarker": "I2J0I21PCUYOIK", "MaxItems": 2, "IsTruncated": True, "Quantity": 2,
        "Items": [
            {"Id": "I3NEWEST", "CreateTime": at(2026, 11, 29, 20, 31, 5, 123), "Status": "InProgress"},
            {"Id": "I2J0I21PCUYOIK", "CreateTime": at(2026, 11, 29, 20, 29, 59, 0), "Status": "Completed"}]}}),
    "list-invalidations-last-page.xml": ("ListInvalidations", {"InvalidationList": {
        "Marker": "I2J0I21PCUYOIK", "MaxItems": 2, "IsTruncated": False, "Quantity": 1,
        "Items": [{"Id": "I1OLDEST", "CreateTime": at(1999, 12, 31, 23, 59, 59, 999), "Status": "Completed"}]}}),
    "list-invalidations-empty.xml": ("ListInvalidations", {"InvalidationList": {
        "Marker": "", "MaxItems": 100, "IsTruncated": False, "Quantity": 0}}),
}


class Raw:
    def __init__(self, body):
        self.body = body

    def stream(self, **_):
        yield self.body


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


def check(name, actual, expected):
    if actual != expected:
        fail(f"{name}:\n  got      {actual!r}\n  expected {expected!r}")
    print(f"ok  {name}")


def make_client():
    return cloudfront_client(Config(retries={"max_attempts": 1, "mode": "standard"}))


def serve(client, answer):
    """Answers every request with answer(request) -> (status, headers, body)."""
    def hook(request, **_):
        status, headers, body = answer(request)
        return AWSResponse(request.url, status, headers, Raw(body))
    client.meta.events.register("before-send", hook)


def check_parser(model):
    parser = RestXMLParser()
    for filename, (operation, expected) in EXPECTED.items():
        body = (RESPONSES / filename).read_bytes()
        output = model.operation_model(operation).output_shape
        parsed = parser.parse({"status_code": 200, "headers": {}, "body": body}, output)
        parsed.pop("ResponseMetadata", None)
        check(f"RestXMLParser {operation} {filename}", parsed, expected)


def check_client_operations():
    client = make_client()
    responses = {"status": 200, "body": b"", "headers": {}}
    serve(client, lambda request: (responses["status"], responses["headers"], responses["body"]))
    for filename, (operation, expected) in EXPECTED.items():
        responses["body"] = (RESPONSES / filename).read_bytes()
        if operation == "CreateInvalidation":
            responses["status"] = 201
            location = "https://127.0.0.1:9180/2020-05-31/distribution/EDFDVBD6EXAMPLE/invalidation/IEXAMPLE"
            responses["headers"] = {"Location": location}
            result = client.create_invalidation(DistributionId="EDFDVBD6EXAMPLE", InvalidationBatch={
                "Paths": {"Quantity": 1, "Items": ["/x"]}, "CallerReference": "r"})
            check(f"client Location header {filename}", result.get("Location"), location)
        elif operation == "GetInvalidation":
            responses["status"], responses["headers"] = 200, {}
            result = client.get_invalidation(DistributionId="EDFDVBD6EXAMPLE", Id="I2J0I21PCUYOIK")
        else:
            responses["status"], responses["headers"] = 200, {}
            result = client.list_invalidations(DistributionId="EDFDVBD6EXAMPLE")
        result.pop("ResponseMetadata", None)
        result.pop("Location", None)
        check(f"client {operation} {filename}", result, expected)


def check_paginator():
    client = make_client()
    seen = []

    def answer(request):
        seen.append(dict(parse_qsl(urlsplit(request.url).query)))
        page = "last-page" if "Marker=I2J0I21PCUYOIK" in request.url else "first-page"
        return 200, {}, (RESPONSES / f"list-invalidations-{page}.xml").read_bytes()

    serve(client, answer)
    ids = [item["Id"] for page in client.get_paginator("list_invalidations").paginate(
        DistributionId="EDFDVBD6EXAMPLE", PaginationConfig={"PageSize": 2})
        for item in page["InvalidationList"].get("Items", [])]
    check("paginator follows NextMarker to the last page", ids, ["I3NEWEST", "I2J0I21PCUYOIK", "I1OLDEST"])
    check("paginator query strings", seen, [{"MaxItems": "2"}, {"Marker": "I2J0I21PCUYOIK", "MaxItems": "2"}])


def check_waiter():
    client = make_client()
    completed = (RESPONSES / "get-invalidation.xml").read_bytes()
    in_progress = completed.replace(b"<Status>Completed</Status>", b"<Status>InProgress</Status>")
    bodies = [in_progress, in_progress, completed]
    calls = []

    def answer(request):
        calls.append(request.url)
        return 200, {}, bodies[len(calls) - 1]

    serve(client, answer)
    client.get_waiter("invalidation_completed").wait(
        DistributionId="EDFDVBD6EXAMPLE", Id="I2J0I21PCUYOIK", WaiterConfig={"Delay": 0, "MaxAttempts": 5})
    check("invalidation_completed waiter stops at Completed", len(calls), 3)


def check_errors(model):
    modeled = {name for name in model.shape_names if model.shape_for(name).metadata.get("exception")}
    for path in sorted(RESPONSES.glob("error-*.xml")):
        status, code = re.fullmatch(r"error-(\d+)-(\w+)\.xml", path.name).groups()
        body = path.read_bytes()
        message = re.search(rb"<Message>(.*)</Message>", body).group(1).decode()
        for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&")):
            message = message.replace(entity, char)
        request_id = re.search(rb"<RequestId>(.*)</RequestId>", body).group(1).decode()
        client = make_client()
        serve(client, lambda request, body=body, status=int(status): (status, {}, body))
        try:
            client.get_invalidation(DistributionId="EDFDVBD6EXAMPLE", Id="I2J0I21PCUYOIK")
        except ClientError as error:
            response = error.response
            check(f"{path.name}: ClientError code", response["Error"]["Code"], code)
            check(f"{path.name}: message", response["Error"]["Message"], message)
            check(f"{path.name}: type", response["Error"].get("Type"),
                  "Receiver" if int(status) >= 500 else "Sender")
            check(f"{path.name}: request id", response["ResponseMetadata"]["RequestId"], request_id)
            check(f"{path.name}: HTTP status", response["ResponseMetadata"]["HTTPStatusCode"], int(status))
            if code in modeled:
                check(f"{path.name}: modeled exception class", type(error), getattr(client.exceptions, code))
            else:
                print(f"    ({code} is not a modeled shape: plain ClientError)")
        else:
            fail(f"{path.name}: no error raised")


def main():
    model = make_client().meta.service_model
    check_parser(model)
    check_client_operations()
    check_paginator()
    check_waiter()
    check_errors(model)
    print(f"all checks passed with botocore {botocore.__version__}, Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
