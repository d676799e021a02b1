// api/ecr/paging.h
//
// ECR's pagination: maxResults (bounded by the model) and an opaque, stable nextToken that
// encodes the last key returned (keyset paging, so deletes between pages skip nothing).
#pragma once

#include <boost/json/object.hpp>

#include <string>

#include "base/error.h"

namespace berth::api::ecr {

struct Page {
  size_t limit;
  std::string after;  // "" for the first page
};

std::string EncodeToken(std::string_view last_key);
// Reads maxResults (default `default_limit`) and nextToken; a token that is not ours is an
// InvalidParameterException.
Result<Page> ParsePage(const boost::json::object& input, size_t default_limit);

}  // namespace berth::api::ecr
