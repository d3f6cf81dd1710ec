#include "server/ingest_service.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "ingest/hotline_work_order.h"
#include "kafka/topics.h"
#include "server/grpc_status.h"

namespace minsheng::server {
namespace {

// How long a submission waits for its case when the client set no deadline.
constexpr absl::Duration kDefaultWait = absl::Seconds(5);
constexpr int kMaxOutcomesPerCall = 10000;

v1::IntakeOutcome ToProto(const store::RecordOutcome& outcome) {
  v1::IntakeOutcome proto;
  switch (outcome.kind) {
    case store::RecordOutcome::Kind::kOpened:
      proto.set_kind(v1::IntakeOutcome::KIND_OPENED);
      break;
    case store::RecordOutcome::Kind::kJoined:
      proto.set_kind(v1::IntakeOutcome::KIND_JOINED);
      break;
    case store::RecordOutcome::Kind::kMerged:
      proto.set_kind(v1::IntakeOutcome::KIND_MERGED);
      break;
    case store::RecordOutcome::Kind::kRejected:
      proto.set_kind(v1::IntakeOutcome::KIND_REJECTED);
      break;
  }
  proto.set_case_id(outcome.case_id);
  proto.set_reason(outcome.reason);
  return proto;
}

}  // namespace

grpc::Status IngestServiceImpl::SubmitWorkOrder(grpc::ServerContext* context,
                                                const v1::SubmitWorkOrderRequest* request,
                                                v1::SubmitWorkOrderResponse* response) {
  auto json = ingest::WorkOrderJson(*request);
  if (!json.ok()) return ToGrpc(json.status());
  auto complaint = ingest::ParseHotlineWorkOrder(*json);
  if (!complaint.ok()) return ToGrpc(complaint.status());

  auto existing = store_.FindCaseIdBySource(v1::CHANNEL_HOTLINE, request->work_order_id());
  if (!existing.ok()) return ToGrpc(existing.status());
  if (existing->has_value()) {
    response->set_ticket(**existing);
    response->set_duplicate(true);
    return grpc::Status::OK;
  }

  const absl::Time deadline =
      std::min(absl::Now() + kDefaultWait, absl::FromChrono(context->deadline()));
  auto position = writer_.Write(kafka::kHotlineIntakeTopic.name, request->work_order_id(), *json,
                                deadline - absl::Now());
  if (!position.ok()) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        absl::StrCat("work order not accepted: ", position.status().message()));
  }
  auto outcome = outcomes_.Wait(*position, deadline);
  if (!outcome.ok()) {
    return ToGrpc(absl::Status(
        outcome.status().code(),
        absl::StrCat("work order ", request->work_order_id(),
                     " is stored in Kafka but its case is not ready yet (",
                     outcome.status().message(), "); submit it again to get its ticket")));
  }
  switch (outcome->kind) {
    case store::RecordOutcome::Kind::kOpened:
      response->set_ticket(outcome->case_id);
      return grpc::Status::OK;
    case store::RecordOutcome::Kind::kJoined:
      response->set_ticket(outcome->case_id);
      response->set_duplicate(true);
      return grpc::Status::OK;
    case store::RecordOutcome::Kind::kMerged:
      response->set_ticket(outcome->case_id);
      response->set_merged(true);
      return grpc::Status::OK;
    case store::RecordOutcome::Kind::kRejected:
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, outcome->reason);
  }
  return grpc::Status(grpc::StatusCode::INTERNAL, "unknown record outcome");
}

grpc::Status IngestServiceImpl::GetIntakeOutcomes(grpc::ServerContext*,
                                                  const v1::GetIntakeOutcomesRequest* request,
                                                  v1::GetIntakeOutcomesResponse* response) {
  if (request->records_size() > kMaxOutcomesPerCall) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("records: at most ", kMaxOutcomesPerCall, " a call"));
  }
  for (const v1::IntakeRecord& record : request->records()) {
    auto outcome = store_.Outcome({record.topic(), record.partition(), record.offset()});
    if (!outcome.ok()) return ToGrpc(outcome.status());
    if (outcome->has_value()) {
      *response->add_outcomes() = ToProto(**outcome);
    } else {
      response->add_outcomes()->set_kind(v1::IntakeOutcome::KIND_PENDING);
    }
  }
  return grpc::Status::OK;
}

}  // namespace minsheng::server
