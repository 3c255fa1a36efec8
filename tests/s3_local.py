"""A local S3-compatible server for the object-storage tests: moto in server mode on 127.0.0.1, one bucket."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

KEY_ID, SECRET = "AKIATESTKEYID0000001", "test-secret-never-printed-1234567890"  # moto accepts any key


@dataclass(frozen=True)
class LocalS3:
    endpoint: str
    bucket: str

    def env(self, prefix: str) -> dict[str, str]:
        """The environment that puts the vector table at s3://bucket/prefix on this server."""
        return {"EARNINGS_VECTORS_URI": f"s3://{self.bucket}/{prefix}", "EARNINGS_S3_ENDPOINT": self.endpoint,
                "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET}


@contextmanager
def local_s3(bucket: str = "earnings") -> Iterator[LocalS3]:
    """A moto S3 server in a thread of this process (any free port), with one empty bucket; stopped after."""
    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=KEY_ID,
                     aws_secret_access_key=SECRET).create_bucket(Bucket=bucket)
        yield LocalS3(endpoint, bucket)
    finally:
        server.stop()
