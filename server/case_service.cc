#include "server/case_service.h"

#include <string>

#include "absl/status/statusor.h"
#include "server/grpc_status.h"
#include "server/masking.h"

namespace minsheng::server {
namespace {

grpc::Status ToGrpc(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

grpc::Status Reply(absl::StatusOr<v1::Case> found, v1::Case* response) {
  if (!found.ok()) return ToGrpc(found.status());
  *response = ForDisplay(*std::move(found));
  return grpc::Status::OK;
}

}  // namespace

grpc::Status CaseServiceImpl::GetCase(grpc::ServerContext*, const v1::GetCaseRequest* request,
                                      v1::Case* response) {
  if (request->case_id().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "case_id: required");
  }
  return Reply(store_.GetCase(request->case_id()), response);
}

grpc::Status CaseServiceImpl::FindCaseBySource(grpc::ServerContext*,
                                               const v1::FindCaseBySourceRequest* request,
                                               v1::Case* response) {
  if (request->channel() == v1::CHANNEL_UNSPECIFIED || !v1::Channel_IsValid(request->channel())) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "channel: required, e.g. CHANNEL_HOTLINE");
  }
  if (request->source_id().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "source_id: required");
  }
  return Reply(store_.FindCaseBySource(request->channel(), request->source_id()), response);
}

}  // namespace minsheng::server
