// s3/xml.h
//
// The S3 XML documents Berth reads and writes: error bodies, multipart upload answers and
// listings. Pure; parsed with Boost.PropertyTree's XML reader (S3 documents are small, flat
// and namespace-free once the xmlns attribute is ignored).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace berth::s3 {

// <Error><Code>..</Code><Message>..</Message></Error>; nullopt if `body` is not one. S3 also
// answers 200 with an Error body to CompleteMultipartUpload and CopyObject.
struct ErrorDocument {
  std::string code;
  std::string message;
};
std::optional<ErrorDocument> ParseError(std::string_view body);

// InitiateMultipartUploadResult/UploadId.
Result<std::string> ParseUploadId(std::string_view body);

struct Part {
  int number = 0;
  std::string etag;  // as S3 sent it, quotes included
  uint64_t size = 0;
};
// CopyPartResult/ETag (or CopyObjectResult/ETag), quotes included.
Result<std::string> ParseCopyETag(std::string_view body);

std::string CompleteMultipartBody(const std::vector<Part>& parts);

struct MultipartUpload {
  std::string key;
  std::string upload_id;
  int64_t initiated = 0;  // epoch seconds
};
struct MultipartListing {
  std::vector<MultipartUpload> uploads;
  bool truncated = false;
  std::string next_key_marker;
  std::string next_upload_id_marker;
};
Result<MultipartListing> ParseMultipartListing(std::string_view body);

struct Object {
  std::string key;
  int64_t last_modified = 0;  // epoch seconds
  uint64_t size = 0;
};
struct ObjectListing {
  std::vector<Object> objects;
  std::string next_continuation_token;  // empty when the listing is complete
};
Result<ObjectListing> ParseObjectListing(std::string_view body);

// "2026-12-01T01:02:03.000Z" -> epoch seconds.
std::optional<int64_t> ParseIsoTime(std::string_view text);

}  // namespace berth::s3
