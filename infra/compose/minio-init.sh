#!/bin/sh
# One-shot, idempotent: the lake bucket, versioning on (an overwritten or deleted object can be
# recovered), and a user for Zhongtai whose policy reaches that bucket and nothing else.
set -eu
secret() { tr -d '\n' < "/run/secrets/$1"; }

mc alias set store http://minio:9000 "$(secret minio_root_user)" "$(secret minio_root_password)" > /dev/null
mc mb --ignore-existing store/zhongtai-lake
mc version enable store/zhongtai-lake

cat > /tmp/zhongtai-lake-policy.json <<'JSON'
{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
     "Resource": ["arn:aws:s3:::zhongtai-lake"]},
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject",
                                   "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
     "Resource": ["arn:aws:s3:::zhongtai-lake/*"]}
  ]
}
JSON
mc admin policy create store zhongtai-lake /tmp/zhongtai-lake-policy.json 2> /dev/null \
  || echo "policy zhongtai-lake exists"
mc admin user add store "$(secret zhongtai_s3_access_key_id)" "$(secret zhongtai_s3_secret_access_key)"
mc admin policy attach store zhongtai-lake --user "$(secret zhongtai_s3_access_key_id)" 2> /dev/null \
  || echo "policy zhongtai-lake already attached"
echo "bucket zhongtai-lake ready"
