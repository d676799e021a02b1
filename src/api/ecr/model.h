// api/ecr/model.h
//
// The ECR service model (botocore's service-2.json, documentation removed, compiled into the
// binary) and a validator that checks a request against it: required members, types, string
// lengths, patterns and enums, numeric and list bounds. Validation errors name the member path,
// with reason "InvalidParameterException".
//
// Immutable after construction; thread-safe. std::regex objects are only read.
#pragma once

#include <boost/json/value.hpp>

#include <map>
#include <memory>
#include <regex>
#include <string>
#include <string_view>

#include "base/error.h"

namespace berth::api::ecr {

// Removes every null member of every object in `v`, at any depth: AWS's JSON protocol reads a
// null member as an absent one, and handlers then need only ask whether a member is there.
void DropNullMembers(boost::json::value& v);

class Model {
 public:
  // Parses the embedded model; a broken build fails here, at startup.
  static const Model& Get();

  bool HasOperation(std::string_view operation) const;
  // Validates `input` (the parsed request body) against the operation's input shape.
  Status ValidateInput(std::string_view operation, const boost::json::value& input) const;
  // The enum values of a string shape (empty if none), for handlers that branch on them.
  std::vector<std::string> EnumValues(std::string_view shape) const;

 private:
  Model();
  Status Validate(const std::string& shape_name, const boost::json::value& v,
                  const std::string& path) const;

  boost::json::object model_;
  const boost::json::object* shapes_ = nullptr;
  const boost::json::object* operations_ = nullptr;
  std::map<std::string, std::unique_ptr<std::regex>, std::less<>> patterns_;  // by shape name
};

}  // namespace berth::api::ecr
