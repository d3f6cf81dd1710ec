#ifndef MINSHENG_SERVER_CASE_SERVICE_H_
#define MINSHENG_SERVER_CASE_SERVICE_H_

#include "minsheng/v1/case_service.grpc.pb.h"
#include "store/case_store.h"

namespace minsheng::server {

// minsheng.v1.CaseService over the case store.
class CaseServiceImpl final : public v1::CaseService::Service {
 public:
  explicit CaseServiceImpl(const store::CaseStore& store) : store_(store) {}

  grpc::Status GetCase(grpc::ServerContext* context, const v1::GetCaseRequest* request,
                       v1::Case* response) override;
  grpc::Status FindCaseBySource(grpc::ServerContext* context,
                                const v1::FindCaseBySourceRequest* request,
                                v1::Case* response) override;

 private:
  const store::CaseStore& store_;
};

}  // namespace minsheng::server

#endif  // MINSHENG_SERVER_CASE_SERVICE_H_
