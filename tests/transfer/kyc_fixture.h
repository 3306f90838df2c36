// The fixture tests/transfer plays: one agent, a scenario per feature of the
// scenario language that export and import must carry over.
#pragma once

namespace sandbox::transfer_test {

inline constexpr const char* kFixture = R"({"agents":[{"type":"kyc","name":"KYC","description":"d","scenarios":[
 {"name":"nested","steps":[
   {"name":"plan","label":"Plan for {{request.business_id}}","duration":"1500ms","notice":"Planning",
    "result":{"who":"{{request.business_id}}"},
    "artifacts":[{"title":"Plan","type":"plan","confidence":"high","summary":"s",
                  "sources":[{"url":"https://a.example","source_name":"A"}]}]},
   {"name":"checks","label":"Checks","duration":"5s","steps":[
     {"name":"sos","label":"SOS","agent":"sos","duration":"1s"},
     {"name":"tin","label":"TIN","agent":"tin","duration":"2s",
      "tool":{"name":"irs","input":{"ein":"1"},"output":{"ok":true}}}]},
   {"name":"review","label":"Review","steps":[
     {"name":"prepare","label":"Prepare","duration":"250ms"},
     {"name":"ask","label":"Ask","type":"interrupt","agent":"reviewer",
      "interrupt":{"value":{"agent":"kyc","label":"OK {{request.business_id}}?"},"branches":{
        "approve":[{"name":"apply","label":"Apply","duration":"1s"}],
        "reject":[{"name":"note","label":"Note","duration":"300ms","result":{"d":"{{resume.decision}}"}}]}}},
     {"name":"wrap","label":"Wrap","duration":"200ms"}]},
   {"name":"answer","label":"Answer","duration":"2s","message":"Acme is in good standing."},
   {"name":"out","label":"Out","type":"output","duration":"500ms","artifacts":[{"title":"Summary","type":"summary"}]}],
  "result":{"summary":"done","task_result":{"ok":true}}},
 {"name":"parallel","steps":[
   {"name":"checks","label":"Checks","parallel":true,"steps":[
     {"name":"a","label":"A","duration":"3s"},
     {"name":"b","label":"B","steps":[{"name":"b1","label":"B1","duration":"1s"},{"name":"b2","label":"B2","duration":"4s"}]},
     {"name":"c","label":"C","duration":"2s"}]},
   {"name":"done","label":"Done","type":"output","duration":"1s","artifacts":[{"title":"T","type":"t"}]}]},
 {"name":"failure","steps":[
   {"name":"first","label":"First","duration":"1s"},
   {"name":"group","label":"Group","steps":[
     {"name":"boom","label":"Boom","type":"error","duration":"2s",
      "error":{"message":"upstream down","reason":"upstream_unavailable"}}]},
   {"name":"never","label":"Never","duration":"1s"}]},
 {"name":"timeout_continue","steps":[
   {"name":"wait","label":"Wait","type":"interrupt","interrupt":{"value":{"label":"Anyone?"},"timeout":"2h",
     "on_timeout":[{"name":"escalate","label":"Escalate","duration":"500ms"}]}},
   {"name":"after","label":"After","duration":"1s"}]},
 {"name":"timeout_fail","steps":[
   {"name":"wait","label":"Wait","type":"interrupt","interrupt":{"value":{"label":"Anyone?"},"timeout":"30m"}}]},
 {"name":"auto","interrupt_policy":"auto_approve","steps":[
   {"name":"ask","label":"Ask","type":"interrupt","interrupt":{"value":{"label":"OK?"},
     "branches":{"approve":[{"name":"yes","label":"Yes","duration":"1s"}]}}},
   {"name":"end","label":"End","duration":"1s"}]},
 {"name":"custom_branch","steps":[
   {"name":"ask","label":"Ask","type":"interrupt","interrupt":{"value":{"label":"Which?"},"branch_on":"choice",
     "branches":{"left":[{"name":"went_left","label":"Left","duration":"1s"}],
                 "right":[{"name":"went_right","label":"Right","duration":"1s"}]}}}]},
 {"name":"two_asks","steps":[
   {"name":"ask1","label":"Ask 1","type":"interrupt","interrupt":{"value":{"label":"1?"},
     "branches":{"approve":[{"name":"x","label":"X","duration":"1s"}]}}},
   {"name":"ask2","label":"Ask 2","type":"interrupt","interrupt":{"value":{"label":"2?"},
     "branches":{"reject":[{"name":"y","label":"Y","duration":"2s"}]}}},
   {"name":"end","label":"End","duration":"1s"}]}
]}]})";

}  // namespace sandbox::transfer_test
