// Handler functions of the Middesk dialect, one file per URL family
// (threads.cpp, runs.cpp). Private to dialects/middesk.
#pragma once

#include <httplib.h>

#include "dialects/middesk/routes.h"

namespace sandbox::middesk {

void ListAgents(const Deps& d, const httplib::Request& req, httplib::Response& res);
void GetAgent(const Deps& d, const httplib::Request& req, httplib::Response& res);

void ListThreads(const Deps& d, const httplib::Request& req, httplib::Response& res);
void CreateThread(const Deps& d, const httplib::Request& req, httplib::Response& res);
void GetThread(const Deps& d, const httplib::Request& req, httplib::Response& res);

void ListRuns(const Deps& d, const httplib::Request& req, httplib::Response& res);
void CreateRun(const Deps& d, const httplib::Request& req, httplib::Response& res);
void GetRun(const Deps& d, const httplib::Request& req, httplib::Response& res);
void ResumeRun(const Deps& d, const httplib::Request& req, httplib::Response& res);
void StreamRun(const Deps& d, const httplib::Request& req, httplib::Response& res);
void SubmitFeedback(const Deps& d, const httplib::Request& req, httplib::Response& res);

void CreateAction(const Deps& d, const httplib::Request& req, httplib::Response& res);
void ListActions(const Deps& d, const httplib::Request& req, httplib::Response& res);
void GetAction(const Deps& d, const httplib::Request& req, httplib::Response& res);

void ListWebhooks(const Deps& d, const httplib::Request& req, httplib::Response& res);
void CreateWebhook(const Deps& d, const httplib::Request& req, httplib::Response& res);
void GetWebhook(const Deps& d, const httplib::Request& req, httplib::Response& res);
void UpdateWebhook(const Deps& d, const httplib::Request& req, httplib::Response& res);
void DeleteWebhook(const Deps& d, const httplib::Request& req, httplib::Response& res);
void GetOidcKeys(const Deps& d, const httplib::Request& req, httplib::Response& res);

}  // namespace sandbox::middesk
