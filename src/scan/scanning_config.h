// scan/scanning_config.h
//
// The registry's scanning configuration as PutRegistryScanningConfiguration takes it (scan type
// and up to two rules of repository filters) and what it means for one repository, by ECR's
// rules: a filter without '*' matches any repository name containing it, '*' matches any run
// of characters; BASIC scans on push where a SCAN_ON_PUSH rule matches or the repository asks
// for it (scanOnPush), else manually; ENHANCED prefers a CONTINUOUS_SCAN rule to a SCAN_ON_PUSH
// one, and a repository no rule matches is not scanned. Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace berth::scan {

struct ScanRule {
  std::string frequency;             // SCAN_ON_PUSH | CONTINUOUS_SCAN | MANUAL
  std::vector<std::string> filters;  // WILDCARD filters
};

struct ScanningConfig {
  std::string scan_type = "BASIC";  // BASIC | ENHANCED
  std::vector<ScanRule> rules;
};

// The stored JSON form ({"scanType":..., "rules":[{"scanFrequency":...,"repositoryFilters":[{"filter":...,
// "filterType":"WILDCARD"}]}]}), which is also the ECR API's shape.
std::string ScanningConfigToJson(const ScanningConfig& config);
// kInvalidArgument (reason ValidationException) naming what is wrong: an unknown type or
// frequency, more than two rules, more than 100 filters, CONTINUOUS_SCAN with BASIC.
Result<ScanningConfig> ScanningConfigFromJson(std::string_view json);

bool RepositoryFilterMatches(std::string_view filter, std::string_view repository);

struct RepositoryScanning {
  std::string frequency;                     // SCAN_ON_PUSH | CONTINUOUS_SCAN | MANUAL
  std::vector<std::string> applied_filters;  // the rule's filters that matched
  bool scans_on_push = false;                // a push is scanned
  bool enabled = true;                       // ENHANCED with no matching rule: false
};

RepositoryScanning ScanningFor(const ScanningConfig& config, std::string_view repository, bool repository_scan_on_push);

}  // namespace berth::scan
