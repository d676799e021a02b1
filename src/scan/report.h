// scan/report.h
//
// The stored forms of a scan: the inventory (so a database update is matched again without
// reading a layer) and the findings (what DescribeImageScanFindings pages through), as JSON in
// the metadata store. Findings keep what the ECR answers need from the advisory, so reading
// them needs no advisory lookup. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "scan/inventory.h"
#include "scan/match.h"

namespace berth::scan {

std::string InventoryToJson(const Inventory& inventory);
Result<Inventory> InventoryFromJson(std::string_view json);

struct StoredFinding {
  std::string id;  // advisory id: "CVE-2024-1234", "DSA-5532-1", "GHSA-..."
  std::vector<std::string> aliases;
  std::string summary;
  std::string description;
  std::string uri;
  Severity severity = Severity::kUndefined;
  std::optional<double> score;
  std::string vector;  // CVSS vector the score came from
  std::string published;
  std::string modified;
  Package package;
  std::string fixed_version;  // empty when no fix is published
};

std::string FindingsToJson(const std::vector<Finding>& findings);
// {"CRITICAL": 2, "LOW": 1}: the severities found, with their counts.
std::string SeverityCountsJson(const std::vector<Finding>& findings);
Result<std::vector<StoredFinding>> FindingsFromJson(std::string_view json);

}  // namespace berth::scan
