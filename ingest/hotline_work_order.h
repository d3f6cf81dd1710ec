#ifndef MINSHENG_INGEST_HOTLINE_WORK_ORDER_H_
#define MINSHENG_INGEST_HOTLINE_WORK_ORDER_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "minsheng/v1/complaint.pb.h"
#include "minsheng/v1/ingest_service.pb.h"

namespace minsheng::ingest {

// Larger work orders are rejected whole: no citizen's words need more, and the limit keeps one
// bad record from costing the pipeline more than a normal one.
inline constexpr size_t kMaxWorkOrderBytes = 64 * 1024;
inline constexpr size_t kMaxWorkOrderIdBytes = 128;

// Parses one 12345 work order in the hotline JSON contract (README "Hotline work order JSON")
// into a Complaint on CHANNEL_HOTLINE. A rejection is InvalidArgument whose message starts with
// the offending field, e.g. "work_order_id: missing", and is meant for people to read.
absl::StatusOr<v1::Complaint> ParseHotlineWorkOrder(absl::string_view json);

// The JSON contract text of a work order submitted over gRPC, so it travels the intake topic
// like any other. Fails only on an `extra` value that is not JSON; ParseHotlineWorkOrder does
// the rest of the validation.
absl::StatusOr<std::string> WorkOrderJson(const v1::SubmitWorkOrderRequest& request);

}  // namespace minsheng::ingest

#endif  // MINSHENG_INGEST_HOTLINE_WORK_ORDER_H_
