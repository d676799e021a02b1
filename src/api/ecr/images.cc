#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <set>

#include "api/ecr/ecr_api.h"
#include "meta/new_manifest.h"
#include "api/ecr/paging.h"
#include "api/oci/oci_api.h"
#include "async/blocking.h"
#include "oci/convert.h"
#include "oci/digest.h"
#include "oci/manifest.h"
#include "oci/names.h"

namespace berth::api::ecr {
namespace {

namespace json = boost::json;

std::unexpected<Error> InvalidParameter(std::string message) {
  return Fail(Code::kInvalidArgument, std::move(message), "InvalidParameterException");
}

// filter.tagStatus of ListImages and DescribeImages: TAGGED, UNTAGGED or (default) ANY.
std::string_view TagStatusFilter(const json::object& input) {
  if (const json::value* f = input.if_contains("filter")) {
    if (std::string_view s = JsonStringView(f->as_object(), "tagStatus"); !s.empty()) return s;
  }
  return "ANY";
}

// The filter's imageStatus ("" when absent: every image).
std::string_view ImageStatusFilter(const json::object& input) {
  if (const json::value* f = input.if_contains("filter")) return JsonStringView(f->as_object(), "imageStatus");
  return "";
}

std::string_view ImageStatus(const meta::ImageRecord& image) { return image.archived_at ? "ARCHIVED" : "ACTIVE"; }

bool StatusWanted(const meta::ImageRecord& image, std::string_view wanted) {
  return wanted.empty() || wanted == ImageStatus(image);
}

json::object ImageId(std::string_view digest, std::string_view tag) {
  json::object id{{"imageDigest", digest}};
  if (!tag.empty()) id["imageTag"] = tag;
  return id;
}

json::object Failure(const json::value& id, std::string_view code, std::string reason) {
  return json::object{{"imageId", id}, {"failureCode", code}, {"failureReason", std::move(reason)}};
}

// Renames the store's failures to the exceptions PutImage declares.
Error ToPutImageError(Error e) {
  std::string_view reason = e.reason();
  if (reason == "MANIFEST_BLOB_UNKNOWN") return Error(e.code(), e.message(), "LayersNotFoundException");
  if (reason == "MANIFEST_CHILD_UNKNOWN") return Error(e.code(), e.message(), "ReferencedImagesNotFoundException");
  if (reason == "IMAGE_TAG_IMMUTABLE") return Error(e.code(), e.message(), "ImageTagAlreadyExistsException");
  if (reason == "MANIFEST_INVALID" || reason == "DIGEST_INVALID" || reason == "TAG_INVALID") {
    return Error(e.code(), "Invalid parameter at 'imageManifest': " + e.message(), "InvalidParameterException");
  }
  return e;
}

}  // namespace

ResolvedImage ResolveImageId(meta::MetadataStore& meta, meta::RepositoryId repo, const json::object& id) {
  std::string_view digest_text = JsonStringView(id, "imageDigest");
  std::string_view tag = JsonStringView(id, "imageTag");
  if (digest_text.empty() && tag.empty()) {
    return {std::nullopt, "MissingDigestAndTag", "Requested image has no digest or tag"};
  }
  std::optional<berth::oci::Digest> by_digest;
  if (!digest_text.empty()) {
    Result<berth::oci::Digest> d = berth::oci::Digest::Parse(digest_text);
    if (!d) return {std::nullopt, "InvalidImageDigest", "Invalid request parameters: image digest should satisfy the regex 'sha256:[a-f0-9]{64}'"};
    by_digest = *d;
  }
  if (!tag.empty()) {
    std::string t(tag);
    Result<std::optional<meta::ManifestRecord>> m = meta.GetManifest(repo, nullptr, &t);
    if (!m || !*m) return {std::nullopt, "ImageNotFound", "Requested image not found"};
    if (by_digest && (*m)->digest != *by_digest) {
      return {std::nullopt, "ImageTagDoesNotMatchDigest", "Invalid request parameters: given tag does not map to the given digest"};
    }
    return {(*m)->digest, "", ""};
  }
  Result<std::optional<meta::ImageRecord>> image = meta.FindImage(repo, *by_digest);
  if (!image || !*image) return {std::nullopt, "ImageNotFound", "Requested image not found"};
  return {by_digest, "", ""};
}

http::Task<EcrApi::Output> EcrApi::ListImages(const Call& call) {
  BERTH_CO_ASSIGN(meta::RepositoryRecord repo, Repository(call.input));
  BERTH_CO_ASSIGN(Page page, ParsePage(call.input, 100));
  const std::string_view tag_status = TagStatusFilter(call.input);
  // The token is "<digest>\n<last tag>": the listing resumes inside an image's tags.
  std::string after_digest = page.after.substr(0, page.after.find('\n'));
  std::string after_tag = page.after.find('\n') == std::string::npos ? "" : page.after.substr(page.after.find('\n') + 1);
  json::array ids;
  std::string last_key;
  bool more = false;
  const std::string_view image_status = ImageStatusFilter(call.input);
  auto emit = [&](const meta::ImageRecord& image, bool resume) {
    if (!StatusWanted(image, image_status)) return true;
    std::string digest = image.digest.str();
    if (image.tags.empty()) {
      if (resume || tag_status == "TAGGED") return true;
      if (ids.size() == page.limit) return false;
      ids.push_back(ImageId(digest, ""));
      last_key = digest + "\n";
      return true;
    }
    if (tag_status == "UNTAGGED") return true;
    for (const std::string& tag : image.tags) {
      if (resume && tag <= after_tag) continue;
      if (ids.size() == page.limit) return false;
      ids.push_back(ImageId(digest, tag));
      last_key = digest + "\n" + tag;
    }
    return true;
  };
  if (!after_digest.empty()) {
    BERTH_CO_ASSIGN(berth::oci::Digest d, berth::oci::Digest::Parse(after_digest));
    BERTH_CO_ASSIGN(std::optional<meta::ImageRecord> current, meta_.FindImage(repo.id, d));
    if (current && !after_tag.empty() && !emit(*current, true)) more = true;
  }
  std::string cursor = after_digest;
  while (!more && ids.size() < page.limit) {
    BERTH_CO_ASSIGN(std::vector<meta::ImageRecord> images, meta_.ListImages(repo.id, cursor, 100));
    if (images.empty()) break;
    for (const meta::ImageRecord& image : images) {
      if (!emit(image, false)) {
        more = true;
        break;
      }
      cursor = image.digest.str();
    }
  }
  if (!more && ids.size() == page.limit) {
    // Full page: there is more only if a later image would emit something.
    BERTH_CO_ASSIGN(std::vector<meta::ImageRecord> rest, meta_.ListImages(repo.id, cursor, 1000));
    for (const meta::ImageRecord& image : rest) {
      bool contributes = (image.tags.empty() ? tag_status != "TAGGED" : tag_status != "UNTAGGED") &&
                         StatusWanted(image, image_status);
      if (contributes) {
        more = true;
        break;
      }
    }
  }
  json::object out{{"imageIds", ids}};
  if (more) out["nextToken"] = EncodeToken(last_key);
  co_return out;
}

http::Task<EcrApi::Output> EcrApi::DescribeImages(const Call& call) {
  BERTH_CO_ASSIGN(meta::RepositoryRecord repo, Repository(call.input));
  auto detail = [&](const meta::ImageRecord& image) {
    json::object d{{"registryId", options_.account_id},
                   {"repositoryName", repo.name},
                   {"imageDigest", image.digest.str()},
                   {"imageSizeInBytes", image.size},
                   {"imagePushedAt", image.pushed_at},
                   {"imageManifestMediaType", image.media_type},
                   {"imageStatus", ImageStatus(image)}};
    if (image.archived_at) d["lastArchivedAt"] = *image.archived_at;
    if (image.activated_at) d["lastActivatedAt"] = *image.activated_at;
    if (!image.artifact_type.empty()) d["artifactMediaType"] = image.artifact_type;
    if (!image.tags.empty()) {
      json::array tags;
      for (const std::string& t : image.tags) tags.push_back(json::value(t));
      d["imageTags"] = tags;
    }
    if (image.last_pulled_at) d["lastRecordedPullTime"] = *image.last_pulled_at;
    if (image.subject) d["subjectManifestDigest"] = image.subject->str();
    if (Result<std::optional<meta::ScanRecord>> scan = meta_.GetScanSummary(repo.id, image.digest); scan && *scan) {
      d["imageScanStatus"] = ScanStatusJson(**scan);
      if (std::optional<json::object> summary = ScanSummaryJson(**scan)) d["imageScanFindingsSummary"] = *summary;
    }
    return d;
  };
  json::array details;
  if (const json::value* ids = call.input.if_contains("imageIds")) {
    if (call.input.contains("nextToken") || call.input.contains("maxResults") || call.input.contains("filter")) {
      co_return InvalidParameter("imageIds cannot be combined with nextToken, maxResults or filter");
    }
    std::set<std::string> seen;
    for (const json::value& id : ids->as_array()) {
      BERTH_CO_ASSIGN(berth::oci::Digest digest, ImageDigest(repo, id.as_object()));
      if (!seen.insert(digest.str()).second) continue;
      BERTH_CO_ASSIGN(std::optional<meta::ImageRecord> image, meta_.FindImage(repo.id, digest));
      if (image) details.push_back(detail(*image));
    }
    co_return json::object{{"imageDetails", details}};
  }
  BERTH_CO_ASSIGN(Page page, ParsePage(call.input, 100));
  const std::string_view tag_status = TagStatusFilter(call.input);
  const std::string_view image_status = ImageStatusFilter(call.input);
  std::string cursor = page.after;
  bool more = false;
  while (!more) {
    BERTH_CO_ASSIGN(std::vector<meta::ImageRecord> images, meta_.ListImages(repo.id, cursor, 100));
    if (images.empty()) break;
    for (const meta::ImageRecord& image : images) {
      bool wanted = (tag_status == "ANY" || (tag_status == "TAGGED") == !image.tags.empty()) &&
                    StatusWanted(image, image_status);
      if (!wanted) {
        cursor = image.digest.str();
        continue;
      }
      if (details.size() == page.limit) {
        more = true;
        break;
      }
      details.push_back(detail(image));
      cursor = image.digest.str();
    }
  }
  json::object out{{"imageDetails", details}};
  if (more) out["nextToken"] = EncodeToken(cursor);
  co_return out;
}

http::Task<EcrApi::Output> EcrApi::BatchGetImage(const Call& call) {
  const std::string_view name = JsonStringView(call.input, "repositoryName");
  std::optional<cache::Rule> rule;
  if (options_.pull_through != nullptr) rule = options_.pull_through->RuleFor(name);
  if (rule) {
    // A pull-through cache repository is created by its first pull, as on ECR.
    BERTH_CO_ASSIGN(std::optional<meta::RepositoryId> existing, meta_.FindRepository(name));
    if (!existing) {
      BERTH_CO_TRY(access_.RequireOnRepository(call.principal, "ecr:CreateRepository", name, call.request));
      BERTH_CO_TRY(access_.RequireOnRepository(call.principal, "ecr:BatchImportUpstreamImage", name, call.request));
      BERTH_CO_TRY(co_await async::RunBlocking(blocking_, [&] { return options_.pull_through->Repository(name); }));
    }
  }
  BERTH_CO_ASSIGN(meta::RepositoryRecord repo, Repository(call.input));
  std::vector<std::string> accepted;
  if (const json::value* types = call.input.if_contains("acceptedMediaTypes")) {
    for (const json::value& t : types->as_array()) accepted.emplace_back(t.as_string());
  }
  auto is_accepted = [&accepted](std::string_view type) {
    return accepted.empty() || std::find(accepted.begin(), accepted.end(), type) != accepted.end();
  };
  json::array images, failures;
  for (const json::value& id : call.input.at("imageIds").as_array()) {
    ResolvedImage r = ResolveImageId(meta_, repo.id, id.as_object());
    std::optional<meta::ManifestRecord> m;
    if (r.digest) {
      BERTH_CO_ASSIGN(m, meta_.GetManifest(repo.id, &*r.digest, nullptr));
    }
    if (rule) {
      BERTH_CO_ASSIGN(std::optional<meta::ManifestRecord> upstream, co_await async::RunBlocking(blocking_, [&] {
        return ImageFromUpstream(call, *rule, repo.id, repo.name, id.as_object(), m);
      }));
      if (upstream) {
        m = std::move(upstream);
        r.digest = m->digest;
      }
    }
    if (!r.digest) {
      failures.push_back(Failure(id, r.failure_code, r.failure_reason));
      continue;
    }
    if (!m) {
      failures.push_back(Failure(id, "ImageNotFound", "Requested image not found"));
      continue;
    }
    if (m->archived) {
      // ECR's failure codes have no ImageArchived: the reason says it, and how to restore.
      failures.push_back(Failure(id, "ImageNotFound",
                                 "Requested image is archived (ImageArchivedException): restore it with "
                                 "UpdateImageStorageClass targetStorageClass STANDARD"));
      continue;
    }
    std::optional<berth::oci::ConvertedManifest> served =
        berth::oci::ServableForm(m->media_type, std::move(m->payload), is_accepted);
    if (!served) {
      failures.push_back(Failure(id, "ImageNotFound",
                                 "the image is stored as " + m->media_type +
                                     ", which is not in acceptedMediaTypes and cannot be converted to them"));
      continue;
    }
    pulls_.Record(repo.id, m->digest, clock_(), call.principal.arn);
    images.push_back(json::object{{"registryId", options_.account_id},
                                  {"repositoryName", repo.name},
                                  {"imageId", ImageId(m->digest.str(), JsonStringView(id.as_object(), "imageTag"))},
                                  {"imageManifest", std::move(served->payload)},
                                  {"imageManifestMediaType", std::move(served->media_type)}});
  }
  co_return json::object{{"images", images}, {"failures", failures}};
}

http::Task<EcrApi::Output> EcrApi::BatchDeleteImage(const Call& call) {
  BERTH_CO_ASSIGN(meta::RepositoryRecord repo, Repository(call.input));
  json::array deleted, failures;
  for (const json::value& id : call.input.at("imageIds").as_array()) {
    ResolvedImage r = ResolveImageId(meta_, repo.id, id.as_object());
    if (!r.digest) {
      failures.push_back(Failure(id, r.failure_code, r.failure_reason));
      continue;
    }
    std::string_view tag = JsonStringView(id.as_object(), "imageTag");
    std::string_view digest_given = JsonStringView(id.as_object(), "imageDigest");
    BERTH_CO_ASSIGN(std::optional<meta::ImageRecord> image, meta_.FindImage(repo.id, *r.digest));
    if (!image) {
      failures.push_back(Failure(id, "ImageNotFound", "Requested image not found"));
      continue;
    }
    // By tag: only the tag goes, unless it was the image's last one (ECR deletes the image then).
    const bool whole_image = !digest_given.empty() || image->tags.size() <= 1;
    if (whole_image) {
      BERTH_CO_ASSIGN(bool in_index, meta_.IsReferencedByIndex(repo.id, *r.digest));
      if (in_index) {
        failures.push_back(Failure(id, "ImageReferencedByManifestList",
                                   "Requested image is referenced by an image index"));
        continue;
      }
      BERTH_CO_TRY(co_await async::RunBlocking(blocking_, [&] { return meta_.DeleteManifest(repo.id, *r.digest); }));
      if (image->tags.empty()) deleted.push_back(ImageId(r.digest->str(), ""));
      for (const std::string& t : image->tags) deleted.push_back(ImageId(r.digest->str(), t));
    } else {
      BERTH_CO_TRY(co_await async::RunBlocking(blocking_, [&] { return meta_.DeleteTag(repo.id, tag); }));
      deleted.push_back(ImageId(r.digest->str(), tag));
    }
  }
  co_return json::object{{"imageIds", deleted}, {"failures", failures}};
}

http::Task<EcrApi::Output> EcrApi::PutImage(const Call& call) {
  BERTH_CO_ASSIGN(meta::RepositoryRecord repo, Repository(call.input));
  std::string payload(JsonStringView(call.input, "imageManifest"));
  std::string_view media_type = JsonStringView(call.input, "imageManifestMediaType");
  std::string tag(JsonStringView(call.input, "imageTag"));
  if (!tag.empty()) {
    if (Status t = berth::oci::ValidateTag(tag); !t) co_return InvalidParameter("Invalid parameter at 'imageTag': " + t.error().message());
  }
  Result<berth::oci::Manifest> manifest = berth::oci::ParseManifest(media_type, payload);
  if (!manifest) co_return std::unexpected(ToPutImageError(manifest.error()));
  berth::oci::Digest digest = berth::oci::Digest::Sha256Of(payload);
  if (std::string_view given = JsonStringView(call.input, "imageDigest"); !given.empty() && given != digest.str()) {
    co_return Fail(Code::kInvalidArgument,
                   "The provided digest " + std::string(given) + " does not match the manifest's digest " + digest.str(),
                   "ImageDigestDoesNotMatchException");
  }
  meta::NewManifest record = meta::ToNewManifest(*manifest, digest, payload);
  const int64_t now = clock_();
  Result<meta::PutManifestOutcome> outcome = co_await async::RunBlocking(blocking_, [&] {
    Result<meta::PutManifestOutcome> put = meta_.PutManifest(repo.id, record, tag.empty() ? nullptr : &tag, now);
    if (put && !put->unchanged && options_.on_image_pushed) {
      options_.on_image_pushed({.repo = repo.id, .repo_name = repo.name, .digest = digest, .media_type = record.media_type,
                                .artifact_type = record.artifact_type, .pushed_at = now});
    }
    return put;
  });
  if (!outcome) co_return std::unexpected(ToPutImageError(outcome.error()));
  if (outcome->unchanged) {
    co_return Fail(Code::kAlreadyExists,
                   "Image with digest '" + digest.str() + "'" + (tag.empty() ? "" : " and tag '" + tag + "'") +
                       " already exists in the repository with name '" + repo.name + "'",
                   "ImageAlreadyExistsException");
  }
  co_return json::object{{"image", json::object{{"registryId", options_.account_id},
                                                {"repositoryName", repo.name},
                                                {"imageId", ImageId(digest.str(), tag)},
                                                {"imageManifest", payload},
                                                {"imageManifestMediaType", manifest->media_type}}}};
}

}  // namespace berth::api::ecr
