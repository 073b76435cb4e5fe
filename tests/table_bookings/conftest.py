# S3 fixtures (moto bucket, S3 call recorder) for the storage, collectstatic and storage_check tests.
from tests.table_bookings.s3support import s3, s3_calls  # noqa: F401
