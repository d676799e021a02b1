#include "s3/xml.h"

#include <gtest/gtest.h>

namespace berth::s3 {
namespace {

TEST(S3Xml, ReadsErrors) {
  std::optional<ErrorDocument> e = ParseError(
      "<?xml version='1.0' encoding='UTF-8'?>\n<Error><Code>NoSuchUpload</Code>"
      "<Message>The specified multipart upload does not exist.</Message><RequestId>x</RequestId></Error>");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, "NoSuchUpload");
  EXPECT_FALSE(ParseError("<CopyObjectResult><ETag>\"x\"</ETag></CopyObjectResult>").has_value());
  EXPECT_FALSE(ParseError("not xml <").has_value());
}

TEST(S3Xml, ReadsUploadIdsAndWritesCompletions) {
  EXPECT_EQ(*ParseUploadId("<InitiateMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                           "<Bucket>b</Bucket><Key>k</Key><UploadId>abc-123</UploadId>"
                           "</InitiateMultipartUploadResult>"),
            "abc-123");
  EXPECT_FALSE(ParseUploadId("<Other/>").has_value());
  EXPECT_EQ(CompleteMultipartBody({{1, "\"e1\"", 5}, {2, "\"e&2\"", 1}}),
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;e1&quot;</ETag></Part>"
            "<Part><PartNumber>2</PartNumber><ETag>&quot;e&amp;2&quot;</ETag></Part></CompleteMultipartUpload>");
}

TEST(S3Xml, ReadsListings) {
  ObjectListing objects = *ParseObjectListing(
      "<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>t1</NextContinuationToken>"
      "<Contents><Key>p/uploads/a.tail</Key><LastModified>2026-12-01T01:02:03.000Z</LastModified>"
      "<Size>42</Size></Contents><Contents><Key>p/uploads/b</Key><Size>7</Size></Contents></ListBucketResult>");
  ASSERT_EQ(objects.objects.size(), 2u);
  EXPECT_EQ(objects.objects[0].key, "p/uploads/a.tail");
  EXPECT_EQ(objects.objects[0].size, 42u);
  EXPECT_EQ(objects.objects[0].last_modified, 1796086923);
  EXPECT_EQ(objects.next_continuation_token, "t1");
  MultipartListing uploads = *ParseMultipartListing(
      "<ListMultipartUploadsResult><IsTruncated>false</IsTruncated><Upload><Key>p/uploads/a</Key>"
      "<UploadId>u1</UploadId><Initiated>2026-12-01T01:02:03Z</Initiated></Upload></ListMultipartUploadsResult>");
  ASSERT_EQ(uploads.uploads.size(), 1u);
  EXPECT_EQ(uploads.uploads[0].upload_id, "u1");
  EXPECT_FALSE(uploads.truncated);
  EXPECT_FALSE(ParseObjectListing("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>").has_value());
}

}  // namespace
}  // namespace berth::s3
