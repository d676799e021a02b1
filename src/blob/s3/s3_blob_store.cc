#include "blob/s3/s3_blob_store.h"

#include <algorithm>
#include <map>

#include "base/strings.h"
#include "crypto/sha256.h"
#include "s3/xml.h"

namespace berth::blob::s3 {
namespace {

using berth::s3::Client;
using berth::s3::Part;
using berth::s3::Request;
using berth::s3::Response;

constexpr std::string_view kStateMagic = "berth-s3-upload 1\n";
constexpr size_t kMinPart = 5 << 20;
constexpr int kMaxParts = 10000;
constexpr size_t kMaxListPages = 20;

std::unexpected<Error> UploadGone() {
  return Fail(Code::kNotFound, "the upload session ended while this request ran", "BLOB_UPLOAD_UNKNOWN");
}

// What an upload has in S3 beyond its hash: the multipart upload, its parts, and the tail
// objects of the last two checkpoints (the current one, and the one before, which a failed
// session update may still name).
struct UploadState {
  std::string multipart_id;
  std::vector<Part> parts;
  uint64_t tail_size = 0;
  uint64_t tail_at = 0;           // upload size when the current tail was written; 0: none
  uint64_t previous_tail_at = 0;  // the tail before it; 0: none
  std::string hash;

  uint64_t PartBytes() const {
    uint64_t total = 0;
    for (const Part& p : parts) total += p.size;
    return total;
  }
};

std::string Encode(const UploadState& s) {
  std::string out(kStateMagic);
  out += s.multipart_id + "\n";
  out += std::to_string(s.tail_size) + " " + std::to_string(s.tail_at) + " " +
         std::to_string(s.previous_tail_at) + "\n";
  out += std::to_string(s.parts.size()) + "\n";
  for (const Part& p : s.parts) {
    out += std::to_string(p.number) + " " + std::to_string(p.size) + " " + p.etag + "\n";
  }
  return out + s.hash;
}

std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  while (!line.empty()) {
    size_t space = line.find(' ');
    out.push_back(line.substr(0, space));
    line = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
  }
  return out;
}

// A state that does not start with the magic line is a fresh session's bare hash state.
std::optional<UploadState> Decode(std::string_view state) {
  UploadState s;
  if (!state.starts_with(kStateMagic)) {
    s.hash = std::string(state);
    return s;
  }
  state.remove_prefix(kStateMagic.size());
  auto line = [&state]() -> std::optional<std::string_view> {
    size_t nl = state.find('\n');
    if (nl == std::string_view::npos) return std::nullopt;
    std::string_view l = state.substr(0, nl);
    state.remove_prefix(nl + 1);
    return l;
  };
  std::optional<std::string_view> id = line(), tail = line(), count = line();
  if (!id || !tail || !count) return std::nullopt;
  s.multipart_id = std::string(*id);
  std::vector<std::string_view> t = Fields(*tail);
  if (t.size() != 3) return std::nullopt;
  std::optional<uint64_t> size = ParseUint64(t[0]), at = ParseUint64(t[1]), prev = ParseUint64(t[2]),
                          n = ParseUint64(*count);
  if (!size || !at || !prev || !n || *n > kMaxParts) return std::nullopt;
  s.tail_size = *size;
  s.tail_at = *at;
  s.previous_tail_at = *prev;
  for (uint64_t i = 0; i < *n; ++i) {
    std::optional<std::string_view> l = line();
    if (!l) return std::nullopt;
    std::vector<std::string_view> f = Fields(*l);
    if (f.size() != 3) return std::nullopt;
    std::optional<uint64_t> number = ParseUint64(f[0]), bytes = ParseUint64(f[1]);
    if (!number || !bytes || *number > kMaxParts) return std::nullopt;
    s.parts.push_back({.number = static_cast<int>(*number), .etag = std::string(f[2]), .size = *bytes});
  }
  s.hash = std::string(state);
  return s;
}

bool Ok(const Response& r) { return r.status >= 200 && r.status < 300; }

class S3Store;

class S3Reader final : public BlobReader {
 public:
  S3Reader(Client& client, std::string key, uint64_t size) : client_(client), key_(std::move(key)), size_(size) {}
  uint64_t size() const override { return size_; }
  bool blocking() const override { return true; }

  // Reads on from where the last read ended over one streamed GET; a read elsewhere, or after
  // the stream broke, starts a new ranged GET.
  Result<size_t> ReadAt(uint64_t offset, std::span<char> out) override {
    if (offset >= size_ || out.empty()) return size_t{0};
    Error last(Code::kUnavailable, "no attempt");
    for (int attempt = 0; attempt < 3; ++attempt) {
      if (!stream_ || position_ != offset) {
        stream_.reset();
        Result<std::unique_ptr<berth::s3::ObjectStream>> s = client_.Get(key_, offset);
        if (!s) {
          if (s.error().code() == Code::kNotFound) {
            return Fail(Code::kNotFound, "blob object missing from S3", "BLOB_UNKNOWN");
          }
          return std::unexpected(std::move(s).error());
        }
        stream_ = std::move(*s);
        position_ = offset;
      }
      Result<size_t> n = stream_->Read(out.first(std::min<uint64_t>(out.size(), size_ - offset)));
      if (n) {
        position_ += *n;
        return n;
      }
      last = n.error();
      stream_.reset();
    }
    return std::unexpected(std::move(last));
  }

 private:
  Client& client_;
  std::string key_;
  uint64_t size_;
  std::unique_ptr<berth::s3::ObjectStream> stream_;
  uint64_t position_ = 0;
};

class S3Writer final : public BlobWriter {
 public:
  S3Writer(S3Store& store, std::string id, UploadState state, uint64_t size, crypto::Sha256 hash,
           std::string buffer)
      : store_(store), id_(std::move(id)), state_(std::move(state)), size_(size), hash_(hash),
        buffer_(std::move(buffer)) {}

  Status Append(std::string_view data) override {
    hash_.Update(data);
    // One allocation for a whole part once a blob outgrows its first append, instead of a
    // doubling string that would end up holding twice the part.
    if (!buffer_.empty() && buffer_.size() + data.size() > buffer_.capacity() && buffer_.capacity() < Target()) {
      buffer_.reserve(Target() + data.size());
    }
    buffer_.append(data);
    size_ += data.size();
    if (buffer_.size() >= 2 * Target()) return Flush();
    return {};
  }
  uint64_t size() const override { return size_; }
  std::string resume_state() const override {
    UploadState s = state_;
    s.hash = hash_.SaveState();
    return Encode(s);
  }
  bool flush_due() const override { return buffer_.size() >= Target(); }
  Status Flush() override;
  Status Checkpoint() override;
  Result<oci::Digest> Commit(const oci::Digest& expected) override;

 private:
  // Parts grow for very large blobs, so 10000 parts reach about 500 GiB.
  size_t Target() const;
  Status SendPart(std::string_view bytes);

  S3Store& store_;
  std::string id_;
  UploadState state_;
  uint64_t size_;
  crypto::Sha256 hash_;
  std::string buffer_;  // appended bytes not yet sent as a part
};

class S3Store final : public BlobStore {
 public:
  S3Store(berth::s3::Settings settings, S3StoreOptions options)
      : client_(std::move(settings)), options_(options), prefix_(client_.settings().prefix) {}

  Client& client() { return client_; }
  const S3StoreOptions& options() const { return options_; }

  std::string BlobKey(const oci::Digest& d) const { return prefix_ + "blobs/sha256/" + std::string(d.hex()); }
  std::string UploadDir(std::string_view id) const { return prefix_ + "uploads/" + std::string(id) + "/"; }
  std::string ObjectKey(std::string_view id) const { return UploadDir(id) + "object"; }
  std::string TailKey(std::string_view id, uint64_t at) const { return UploadDir(id) + "tail-" + std::to_string(at); }

  bool remote() const override { return true; }

  Result<std::unique_ptr<BlobReader>> Open(const oci::Digest& digest) override {
    if (digest.algorithm() != oci::DigestAlgorithm::kSha256) {
      return Fail(Code::kNotFound, "only sha256 blobs are stored", "BLOB_UNKNOWN");
    }
    BERTH_ASSIGN(std::optional<uint64_t> size, Head(BlobKey(digest)));
    if (!size) return Fail(Code::kNotFound, "blob object missing from S3", "BLOB_UNKNOWN");
    return std::unique_ptr<BlobReader>(new S3Reader(client_, BlobKey(digest), *size));
  }

  std::optional<std::string> PresignedUrl(const oci::Digest& digest, std::chrono::seconds ttl) override {
    return client_.PresignedGetUrl(BlobKey(digest), ttl);
  }

  Result<std::unique_ptr<BlobWriter>> NewWriter(std::string_view upload_id) override {
    if (!IsValidUploadId(upload_id)) return Fail(Code::kInvalidArgument, "bad upload id");
    UploadState state;
    return std::unique_ptr<BlobWriter>(
        new S3Writer(*this, std::string(upload_id), std::move(state), 0, crypto::Sha256(), ""));
  }

  Result<std::unique_ptr<BlobWriter>> ResumeWriter(std::string_view upload_id, uint64_t size,
                                                   std::string_view resume_state) override {
    if (!IsValidUploadId(upload_id)) return Fail(Code::kInvalidArgument, "bad upload id");
    std::optional<UploadState> state = Decode(resume_state);
    if (!state) return Fail(Code::kInternal, "upload has an unreadable resume state");
    std::optional<crypto::Sha256> hash = crypto::Sha256::RestoreState(state->hash);
    if (!hash) return Fail(Code::kInternal, "upload has an unreadable hash state");
    // The state and the recorded size come from one checkpoint; anything else is a session
    // that another request ended (or a state from another store).
    if (state->PartBytes() + state->tail_size != size) return UploadGone();
    std::string buffer;
    if (state->tail_size > 0) {
      BERTH_ASSIGN(buffer, ReadTail(TailKey(upload_id, state->tail_at), state->tail_size));
    }
    return std::unique_ptr<BlobWriter>(
        new S3Writer(*this, std::string(upload_id), *std::move(state), size, *hash, std::move(buffer)));
  }

  Status DeleteUpload(std::string_view upload_id) override {
    if (!IsValidUploadId(upload_id)) return Fail(Code::kInvalidArgument, "bad upload id");
    const std::string dir = UploadDir(upload_id);
    BERTH_ASSIGN(std::vector<berth::s3::Object> objects, ListObjects(dir, 1000));
    for (const berth::s3::Object& o : objects) BERTH_TRY(DeleteObject(o.key));
    BERTH_ASSIGN(std::vector<berth::s3::MultipartUpload> uploads, ListMultipart(dir, 1000));
    for (const berth::s3::MultipartUpload& u : uploads) BERTH_TRY(Abort(u.key, u.upload_id));
    return {};
  }

  Result<std::vector<UploadData>> ListUploads(size_t limit) override {
    std::map<std::string, int64_t> latest;
    const std::string dir = prefix_ + "uploads/";
    auto note = [&](std::string_view key, int64_t when) {
      key.remove_prefix(dir.size());
      std::string id(key.substr(0, key.find('/')));
      if (!IsValidUploadId(id)) return;
      int64_t& t = latest[id];
      t = std::max(t, when);
    };
    BERTH_ASSIGN(std::vector<berth::s3::Object> objects, ListObjects(dir, limit * 4 + 16));
    for (const berth::s3::Object& o : objects) note(o.key, o.last_modified);
    BERTH_ASSIGN(std::vector<berth::s3::MultipartUpload> uploads, ListMultipart(dir, limit * 4 + 16));
    for (const berth::s3::MultipartUpload& u : uploads) note(u.key, u.initiated);
    std::vector<UploadData> out;
    for (auto& [id, when] : latest) {
      if (out.size() >= limit) break;
      out.push_back({id, when});
    }
    return out;
  }

  Status Delete(const oci::Digest& digest) override { return DeleteObject(BlobKey(digest)); }

  // --- S3 calls ---

  // The object's size, or nullopt when there is none.
  Result<std::optional<uint64_t>> Head(const std::string& key) {
    BERTH_ASSIGN(Response r, client_.Send({.method = "HEAD", .key = key}));
    if (r.status == 404) return std::optional<uint64_t>();
    if (!Ok(r)) return std::unexpected(berth::s3::S3Failure("HEAD " + key, r));
    std::optional<std::string_view> length = r.Header("Content-Length");
    std::optional<uint64_t> size = length ? ParseUint64(*length) : std::nullopt;
    if (!size) return Fail(Code::kUnavailable, "S3 answered HEAD without a Content-Length");
    return size;
  }

  Status Put(const std::string& key, std::string_view bytes, std::string payload_sha256) {
    BERTH_ASSIGN(Response r, client_.Send({.method = "PUT", .key = key, .body = bytes,
                                           .payload_sha256 = std::move(payload_sha256)}));
    if (!Ok(r)) return std::unexpected(berth::s3::S3Failure("PUT " + key, r));
    return {};
  }

  Status DeleteObject(const std::string& key) {
    BERTH_ASSIGN(Response r, client_.Send({.method = "DELETE", .key = key}));
    if (!Ok(r) && r.status != 404) return std::unexpected(berth::s3::S3Failure("DELETE " + key, r));
    return {};
  }

  Status Abort(const std::string& key, const std::string& multipart_id) {
    BERTH_ASSIGN(Response r, client_.Send({.method = "DELETE", .key = key,
                                           .query = "uploadId=" + PercentEncode(multipart_id)}));
    if (!Ok(r) && r.status != 404) return std::unexpected(berth::s3::S3Failure("abort multipart upload", r));
    return {};
  }

  Result<std::string> ReadTail(const std::string& key, uint64_t size) {
    Result<std::unique_ptr<berth::s3::ObjectStream>> stream = client_.Get(key, 0);
    if (!stream) {
      if (stream.error().code() == Code::kNotFound) return UploadGone();
      return std::unexpected(std::move(stream).error());
    }
    std::string bytes(size, '\0');
    BERTH_ASSIGN(size_t n, (*stream)->Read(std::span<char>(bytes.data(), bytes.size())));
    if (n != size) return UploadGone();
    return bytes;
  }

  // Up to `limit` objects under `prefix`, over at most kMaxListPages pages.
  Result<std::vector<berth::s3::Object>> ListObjects(const std::string& prefix, size_t limit) {
    std::vector<berth::s3::Object> out;
    std::string token;
    for (size_t page = 0; page < kMaxListPages && out.size() < limit; ++page) {
      std::string query = token.empty() ? "" : "continuation-token=" + PercentEncode(token) + "&";
      query += "list-type=2&max-keys=" + std::to_string(std::min<size_t>(limit - out.size(), 1000)) +
               "&prefix=" + PercentEncode(prefix);
      BERTH_ASSIGN(Response r, client_.Send({.method = "GET", .key = "", .query = query}));
      if (!Ok(r)) return std::unexpected(berth::s3::S3Failure("list objects", r));
      BERTH_ASSIGN(berth::s3::ObjectListing listing, berth::s3::ParseObjectListing(r.body));
      for (berth::s3::Object& o : listing.objects) out.push_back(std::move(o));
      token = listing.next_continuation_token;
      if (token.empty()) break;
    }
    return out;
  }

  Result<std::vector<berth::s3::MultipartUpload>> ListMultipart(const std::string& prefix, size_t limit) {
    std::vector<berth::s3::MultipartUpload> out;
    std::string key_marker, id_marker;
    for (size_t page = 0; page < kMaxListPages && out.size() < limit; ++page) {
      std::string query = key_marker.empty() ? "" : "key-marker=" + PercentEncode(key_marker) + "&";
      query += "prefix=" + PercentEncode(prefix);
      if (!id_marker.empty()) query += "&upload-id-marker=" + PercentEncode(id_marker);
      query += "&uploads=";
      BERTH_ASSIGN(Response r, client_.Send({.method = "GET", .key = "", .query = query}));
      if (!Ok(r)) return std::unexpected(berth::s3::S3Failure("list multipart uploads", r));
      BERTH_ASSIGN(berth::s3::MultipartListing listing, berth::s3::ParseMultipartListing(r.body));
      for (berth::s3::MultipartUpload& u : listing.uploads) out.push_back(std::move(u));
      if (!listing.truncated || listing.next_key_marker.empty()) break;
      key_marker = listing.next_key_marker;
      id_marker = listing.next_upload_id_marker;
    }
    return out;
  }

  Result<std::string> StartMultipart(const std::string& key) {
    BERTH_ASSIGN(Response r, client_.Send({.method = "POST", .key = key, .query = "uploads="}));
    if (!Ok(r)) return std::unexpected(berth::s3::S3Failure("start a multipart upload", r));
    return berth::s3::ParseUploadId(r.body);
  }

  // PUT of a part (or, with `copy`, UploadPartCopy of a range of another object); a missing
  // multipart upload means the session was ended under us.
  struct CopyRange {
    std::string source_key;
    uint64_t first = 0, last = 0;
  };
  Result<std::string> UploadPart(const std::string& key, const std::string& multipart_id, int number,
                                 std::string_view bytes, const std::optional<CopyRange>& copy = std::nullopt) {
    Request request{.method = "PUT", .key = key,
                    .query = "partNumber=" + std::to_string(number) + "&uploadId=" + PercentEncode(multipart_id),
                    .body = bytes};
    if (copy) {
      request.headers.push_back({"x-amz-copy-source", SourceHeader(copy->source_key)});
      request.headers.push_back({"x-amz-copy-source-range",
                                 "bytes=" + std::to_string(copy->first) + "-" + std::to_string(copy->last)});
    }
    BERTH_ASSIGN(Response r, client_.Send(std::move(request)));
    if (r.status == 404) return UploadGone();
    if (!Ok(r) || (copy && berth::s3::ParseError(r.body))) {
      return std::unexpected(berth::s3::S3Failure("upload a part", r));
    }
    std::string etag;
    if (copy) {
      BERTH_ASSIGN(etag, berth::s3::ParseCopyETag(r.body));
    } else if (std::optional<std::string_view> header = r.Header("ETag")) {
      etag = std::string(*header);
    }
    if (etag.empty() || etag.find_first_of(" \n") != std::string::npos) {
      return Fail(Code::kUnavailable, "S3 accepted a part without a usable ETag");
    }
    return etag;
  }

  Status CompleteMultipart(const std::string& key, const std::string& multipart_id, const std::vector<Part>& parts) {
    const std::string body = berth::s3::CompleteMultipartBody(parts);
    BERTH_ASSIGN(Response r, client_.Send({.method = "POST", .key = key,
                                           .query = "uploadId=" + PercentEncode(multipart_id), .body = body}));
    std::optional<berth::s3::ErrorDocument> error = berth::s3::ParseError(r.body);
    if (r.status == 404 || (error && error->code == "NoSuchUpload")) return UploadGone();
    // S3 may answer 200 and still fail, in the body.
    if (!Ok(r) || error) return std::unexpected(berth::s3::S3Failure("complete a multipart upload", r));
    return {};
  }

  // Server-side copy of `from` (of `size` bytes) to `to`: one CopyObject up to 5 GiB, a
  // multipart copy beyond.
  Status Copy(const std::string& from, const std::string& to, uint64_t size) {
    if (size <= options_.max_single_copy_bytes) {
      BERTH_ASSIGN(Response r, client_.Send({.method = "PUT", .key = to,
                                             .headers = {{"x-amz-copy-source", SourceHeader(from)}}}));
      if (!Ok(r) || berth::s3::ParseError(r.body)) return std::unexpected(berth::s3::S3Failure("copy " + from, r));
      return {};
    }
    BERTH_ASSIGN(std::string id, StartMultipart(to));
    std::vector<Part> parts;
    for (uint64_t first = 0; first < size; first += options_.copy_part_bytes) {
      const uint64_t last = std::min(size, first + options_.copy_part_bytes) - 1;
      const int number = static_cast<int>(parts.size()) + 1;
      Result<std::string> etag = UploadPart(to, id, number, {}, CopyRange{from, first, last});
      if (!etag) {
        (void)Abort(to, id);
        return std::unexpected(std::move(etag).error());
      }
      parts.push_back({.number = number, .etag = *etag, .size = last - first + 1});
    }
    Status done = CompleteMultipart(to, id, parts);
    if (!done) (void)Abort(to, id);
    return done;
  }

 private:
  // x-amz-copy-source: "/bucket/key", URI-encoded, whatever the addressing style.
  std::string SourceHeader(const std::string& key) const {
    berth::s3::Settings path_style = client_.settings();
    path_style.path_style = true;
    return path_style.ObjectPath(key);
  }

  Client client_;
  S3StoreOptions options_;
  std::string prefix_;
};

size_t S3Writer::Target() const {
  const size_t base = std::max(store_.options().part_bytes, kMinPart);
  return base << std::min<size_t>(state_.parts.size() / 2000, 4);
}

Status S3Writer::SendPart(std::string_view bytes) {
  const int number = static_cast<int>(state_.parts.size()) + 1;
  if (number > kMaxParts) {
    return Fail(Code::kInvalidArgument, "the blob is larger than an S3 multipart upload can hold",
                "BLOB_UPLOAD_INVALID");
  }
  if (state_.multipart_id.empty()) {
    BERTH_ASSIGN(state_.multipart_id, store_.StartMultipart(store_.ObjectKey(id_)));
  }
  BERTH_ASSIGN(std::string etag, store_.UploadPart(store_.ObjectKey(id_), state_.multipart_id, number, bytes));
  state_.parts.push_back({.number = number, .etag = std::move(etag), .size = bytes.size()});
  return {};
}

Status S3Writer::Flush() {
  // Only whole parts leave; fewer bytes wait for more, or for the checkpoint's tail object.
  if (buffer_.size() < kMinPart) return {};
  BERTH_TRY(SendPart(buffer_));
  buffer_.clear();
  return {};
}

Status S3Writer::Checkpoint() {
  BERTH_TRY(Flush());
  const uint64_t resumed_from = state_.tail_at;
  if (!buffer_.empty()) {
    BERTH_TRY(store_.Put(store_.TailKey(id_, size_), buffer_, ""));
    state_.tail_at = size_;
  } else {
    state_.tail_at = 0;
  }
  state_.tail_size = buffer_.size();
  // The tail before the one this writer resumed from is named by no session state any more.
  if (state_.previous_tail_at != 0 && state_.previous_tail_at != state_.tail_at &&
      state_.previous_tail_at != resumed_from) {
    (void)store_.DeleteObject(store_.TailKey(id_, state_.previous_tail_at));
  }
  state_.previous_tail_at = resumed_from;
  return {};
}

Result<oci::Digest> S3Writer::Commit(const oci::Digest& expected) {
  if (expected.algorithm() != oci::DigestAlgorithm::kSha256) {
    return Fail(Code::kInvalidArgument, "uploads must be committed with a sha256 digest", "DIGEST_INVALID");
  }
  const std::string hex = hash_.FinishHex();
  oci::Digest actual = oci::Digest::FromSha256Hex(hex);
  if (actual != expected) {
    return Fail(Code::kInvalidArgument, "uploaded content hashes to " + actual.str() + ", not " + expected.str(),
                "DIGEST_INVALID");
  }
  const bool checkpointed = !state_.multipart_id.empty() || state_.tail_at != 0;
  if (state_.multipart_id.empty() && state_.tail_at != 0) {
    // Nothing else would notice a session ended under this request.
    BERTH_ASSIGN(std::optional<uint64_t> tail, store_.Head(store_.TailKey(id_, state_.tail_at)));
    if (!tail) return UploadGone();
  }
  const std::string key = store_.BlobKey(actual);
  BERTH_ASSIGN(std::optional<uint64_t> existing, store_.Head(key));
  if (!existing) {
    if (state_.multipart_id.empty() || (state_.parts.empty() && buffer_.empty())) {
      // The whole blob is in memory: one PUT, whose signed payload hash is the digest itself.
      BERTH_TRY(store_.Put(key, buffer_, hex));
    } else {
      if (!buffer_.empty() || state_.parts.empty()) BERTH_TRY(SendPart(buffer_));
      buffer_.clear();
      BERTH_TRY(store_.CompleteMultipart(store_.ObjectKey(id_), state_.multipart_id, state_.parts));
      BERTH_TRY(store_.Copy(store_.ObjectKey(id_), key, size_));
    }
  }
  // Published: what the upload left behind is garbage; a failure here leaves it to the sweep.
  if (checkpointed) (void)store_.DeleteUpload(id_);
  return actual;
}

}  // namespace

Result<std::unique_ptr<BlobStore>> OpenS3BlobStore(berth::s3::Settings settings, S3StoreOptions options) {
  if (options.part_bytes < kMinPart || options.copy_part_bytes < kMinPart) {
    return Fail(Code::kInvalidArgument, "S3 parts must be at least 5 MiB");
  }
  const std::string bucket = settings.bucket;
  auto store = std::make_unique<S3Store>(std::move(settings), options);
  BERTH_ASSIGN(Response r, store->client().Send({.method = "HEAD", .key = ""}));
  if (r.status == 404) return Fail(Code::kInvalidArgument, "the S3 bucket " + bucket + " does not exist");
  if (r.status == 403 || r.status == 401) {
    return Fail(Code::kInvalidArgument, "the S3 store refused these credentials for bucket " + bucket);
  }
  if (!Ok(r)) return std::unexpected(berth::s3::S3Failure("HEAD bucket " + bucket, r));
  return std::unique_ptr<BlobStore>(std::move(store));
}

}  // namespace berth::blob::s3
