"""Shared by capture_requests.py and check_botocore.py: a botocore CloudFront client that
ignores this machine's AWS configuration and never reaches the network on its own (its
endpoint is a closed port; the scripts answer or stop every request in a 'before-send' hook).
Importing this module clears the AWS_* environment first, before botocore reads it."""

import os

for _name in list(os.environ):
    if _name.startswith("AWS_"):
        del os.environ[_name]
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull

import botocore.session  # noqa: E402


def cloudfront_client(config=None):
    return botocore.session.get_session().create_client(
        "cloudfront", region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
        endpoint_url="http://127.0.0.1:1", config=config)
