"""An S3-compatible bucket as the file store, for several machines sharing one store: any
server that speaks S3 (`MOTCUA_S3_ENDPOINT`; tried with moto's server only). The bucket
must exist; keys are those of `engine.files.store`, under an optional prefix."""
from __future__ import annotations

from typing import IO, Any

import boto3
from boto3.exceptions import S3UploadFailedError
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from engine.files.store import FileMissing, FileStoreUnavailable, check_key


class S3Files:
    def __init__(self, *, endpoint: str, bucket: str, access_key: str = "",
                 secret_key: str = "", region: str = "us-east-1", prefix: str = "") -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client: Any = boto3.session.Session().client(
            "s3", endpoint_url=endpoint or None, region_name=region,
            aws_access_key_id=access_key or None, aws_secret_access_key=secret_key or None,
            # Path-style addresses work with any S3 server (no DNS name per bucket).
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3},
                          connect_timeout=5, read_timeout=60))

    def _key(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, stream: IO[bytes]) -> None:
        # upload_fileobj sends large files in parts; a single PUT replaces the object whole.
        try:
            self.client.upload_fileobj(stream, self.bucket, self._key(key))
        except (BotoCoreError, ClientError, S3UploadFailedError) as exc:
            raise FileStoreUnavailable(f"S3 bucket {self.bucket}: {exc}") from exc

    def get(self, key: str) -> bytes:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            return bytes(answer["Body"].read())
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise FileMissing(key) from None
            raise FileStoreUnavailable(f"S3 bucket {self.bucket}: {exc}") from exc
        except BotoCoreError as exc:
            raise FileStoreUnavailable(f"S3 bucket {self.bucket}: {exc}") from exc
