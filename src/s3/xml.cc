#include "s3/xml.h"

#include <ctime>
#include <sstream>

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>

#include "base/strings.h"

namespace berth::s3 {
namespace {

namespace pt = boost::property_tree;

std::optional<pt::ptree> Parse(std::string_view body) {
  std::istringstream in{std::string(body)};
  pt::ptree tree;
  try {
    pt::read_xml(in, tree, pt::xml_parser::no_comments);
  } catch (const pt::xml_parser_error&) {
    return std::nullopt;
  }
  return tree;
}

std::unexpected<Error> Malformed(std::string_view what) {
  return Fail(Code::kUnavailable, "the S3 store sent a malformed " + std::string(what));
}

std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::optional<int64_t> ParseIsoTime(std::string_view text) {
  if (text.size() < 19 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':') {
    return std::nullopt;
  }
  auto num = [&](size_t pos, size_t len) { return ParseUint64(text.substr(pos, len)); };
  auto y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2), s = num(17, 2);
  if (!y || !mo || !d || !h || !mi || !s || *mo < 1 || *mo > 12 || *d < 1 || *d > 31) return std::nullopt;
  std::tm tm{};
  tm.tm_year = static_cast<int>(*y) - 1900;
  tm.tm_mon = static_cast<int>(*mo) - 1;
  tm.tm_mday = static_cast<int>(*d);
  tm.tm_hour = static_cast<int>(*h);
  tm.tm_min = static_cast<int>(*mi);
  tm.tm_sec = static_cast<int>(*s);
  return static_cast<int64_t>(timegm(&tm));
}

std::optional<ErrorDocument> ParseError(std::string_view body) {
  std::optional<pt::ptree> tree = Parse(body);
  if (!tree) return std::nullopt;
  boost::optional<pt::ptree&> error = tree->get_child_optional("Error");
  if (!error) return std::nullopt;
  return ErrorDocument{.code = error->get<std::string>("Code", ""),
                       .message = error->get<std::string>("Message", "")};
}

Result<std::string> ParseUploadId(std::string_view body) {
  std::optional<pt::ptree> tree = Parse(body);
  if (!tree) return Malformed("InitiateMultipartUploadResult");
  std::string id = tree->get<std::string>("InitiateMultipartUploadResult.UploadId", "");
  if (id.empty()) return Malformed("InitiateMultipartUploadResult (no UploadId)");
  return id;
}

Result<std::string> ParseCopyETag(std::string_view body) {
  std::optional<pt::ptree> tree = Parse(body);
  if (!tree) return Malformed("CopyPartResult");
  for (std::string_view root : {"CopyPartResult.ETag", "CopyObjectResult.ETag"}) {
    std::string etag = tree->get<std::string>(std::string(root), "");
    if (!etag.empty()) return etag;
  }
  return Malformed("CopyPartResult (no ETag)");
}

std::string CompleteMultipartBody(const std::vector<Part>& parts) {
  std::string out = "<CompleteMultipartUpload>";
  for (const Part& p : parts) {
    out += "<Part><PartNumber>" + std::to_string(p.number) + "</PartNumber><ETag>" + Escape(p.etag) +
           "</ETag></Part>";
  }
  return out + "</CompleteMultipartUpload>";
}

Result<MultipartListing> ParseMultipartListing(std::string_view body) {
  std::optional<pt::ptree> tree = Parse(body);
  boost::optional<pt::ptree&> root;
  if (tree) root = tree->get_child_optional("ListMultipartUploadsResult");
  if (!root) return Malformed("ListMultipartUploadsResult");
  MultipartListing out;
  out.truncated = root->get<std::string>("IsTruncated", "false") == "true";
  out.next_key_marker = root->get<std::string>("NextKeyMarker", "");
  out.next_upload_id_marker = root->get<std::string>("NextUploadIdMarker", "");
  for (const auto& [name, child] : *root) {
    if (name != "Upload") continue;
    out.uploads.push_back({.key = child.get<std::string>("Key", ""),
                           .upload_id = child.get<std::string>("UploadId", ""),
                           .initiated = ParseIsoTime(child.get<std::string>("Initiated", "")).value_or(0)});
  }
  return out;
}

Result<ObjectListing> ParseObjectListing(std::string_view body) {
  std::optional<pt::ptree> tree = Parse(body);
  boost::optional<pt::ptree&> root;
  if (tree) root = tree->get_child_optional("ListBucketResult");
  if (!root) return Malformed("ListBucketResult");
  ObjectListing out;
  if (root->get<std::string>("IsTruncated", "false") == "true") {
    out.next_continuation_token = root->get<std::string>("NextContinuationToken", "");
    if (out.next_continuation_token.empty()) return Malformed("ListBucketResult (truncated, no token)");
  }
  for (const auto& [name, child] : *root) {
    if (name != "Contents") continue;
    out.objects.push_back(
        {.key = child.get<std::string>("Key", ""),
         .last_modified = ParseIsoTime(child.get<std::string>("LastModified", "")).value_or(0),
         .size = ParseUint64(child.get<std::string>("Size", "0")).value_or(0)});
  }
  return out;
}

}  // namespace berth::s3
