"""What Berth's blob store holds, whichever store the test runs on (see lib.sh): files under
$BERTH_DATA, or objects under $S3_PREFIX in the test's S3 bucket (BERTH_E2E_BLOBS=s3).

As a command:
  blobstore.py get HEX            the blob's bytes on stdout (exit 1 when absent)
  blobstore.py count HEX          how many stored copies of the blob there are
  blobstore.py still-stored FILE  how many of the digests in FILE's third column are stored
  blobstore.py uploads            the upload IDs that hold data, one per line
  blobstore.py plant-upload ID    stores 1000 random bytes as data of an upload no session owns
"""
import glob
import os
import sys


def on_s3():
    return os.environ.get("BERTH_E2E_BLOBS") == "s3"


def _s3():
    import boto3
    from botocore.config import Config
    return boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT"], region_name=os.environ["S3_REGION"],
                        aws_access_key_id=os.environ["S3_ACCESS_KEY"],
                        aws_secret_access_key=os.environ["S3_SECRET_KEY"],
                        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}))


def _keys(client, prefix):
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=os.environ["S3_BUCKET"], Prefix=prefix)
    for page in pages:
        for obj in page.get("Contents", []):
            yield obj["Key"]


def blob_bytes(hexd, client=None):
    """The stored bytes of sha256:<hexd>, or None."""
    if on_s3():
        client = client or _s3()
        try:
            return client.get_object(Bucket=os.environ["S3_BUCKET"],
                                     Key=os.environ["S3_PREFIX"] + "blobs/sha256/" + hexd)["Body"].read()
        except client.exceptions.NoSuchKey:
            return None
    path = f"{os.environ['BERTH_DATA']}/blobs/sha256/{hexd[:2]}/{hexd}"
    return open(path, "rb").read() if os.path.exists(path) else None


def all_blobs():
    """(hex, bytes) of every stored blob."""
    if on_s3():
        client = _s3()
        prefix = os.environ["S3_PREFIX"] + "blobs/sha256/"
        for key in _keys(client, prefix):
            hexd = key[len(prefix):]
            yield hexd, client.get_object(Bucket=os.environ["S3_BUCKET"], Key=key)["Body"].read()
        return
    for path in glob.glob(f"{os.environ['BERTH_DATA']}/blobs/sha256/*/*"):
        with open(path, "rb") as f:
            yield os.path.basename(path), f.read()


def count(hexd):
    if on_s3():
        return sum(1 for k in _keys(_s3(), os.environ["S3_PREFIX"] + "blobs/") if k.endswith("/" + hexd))
    return len(glob.glob(f"{os.environ['BERTH_DATA']}/blobs/**/{hexd}", recursive=True))


def stored_set():
    """The hex digests of every stored blob, from one listing."""
    if on_s3():
        prefix = os.environ["S3_PREFIX"] + "blobs/sha256/"
        return {k[len(prefix):] for k in _keys(_s3(), prefix)}
    return {os.path.basename(p) for p in glob.glob(f"{os.environ['BERTH_DATA']}/blobs/sha256/*/*")}


def uploads():
    if on_s3():
        client = _s3()
        prefix = os.environ["S3_PREFIX"] + "uploads/"
        ids = {k[len(prefix):].split("/")[0] for k in _keys(client, prefix)}
        listing = client.list_multipart_uploads(Bucket=os.environ["S3_BUCKET"], Prefix=prefix)
        ids |= {u["Key"][len(prefix):].split("/")[0] for u in listing.get("Uploads", [])}
        return sorted(ids)
    return sorted(os.listdir(f"{os.environ['BERTH_DATA']}/uploads"))


def plant_upload(upload_id):
    data = os.urandom(1000)
    if on_s3():
        # S3 cannot backdate an object: the caller waits past the idle timeout instead.
        _s3().put_object(Bucket=os.environ["S3_BUCKET"],
                         Key=f"{os.environ['S3_PREFIX']}uploads/{upload_id}/tail-1000", Body=data)
    else:
        path = f"{os.environ['BERTH_DATA']}/uploads/{upload_id}"
        with open(path, "wb") as f:
            f.write(data)
        old = os.path.getmtime(path) - 3600
        os.utime(path, (old, old))


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "get":
        data = blob_bytes(args[0])
        if data is None:
            sys.exit(1)
        sys.stdout.buffer.write(data)
    elif command == "count":
        print(count(args[0]))
    elif command == "still-stored":
        stored = stored_set()
        print(sum(1 for line in open(args[0]) if line.split()[2].split(":")[-1] in stored))
    elif command == "uploads":
        print("\n".join(uploads()))
    elif command == "plant-upload":
        plant_upload(args[0])
    else:
        sys.exit(f"unknown command {command}")
