// coassist: the Assistants v2, Responses and Conversations APIs from the command line (see
// docs/cli.md and `coassist --help`). Exit codes: 0 ok, 1 API error (or `event: error` in a
// stream, or a response that ends `failed` or `incomplete`), 2 bad usage, 3 connection or timeout
// error, or a truncated stream.
#include "args.hpp"

#include <coassist/api/client.hpp>
#include <coassist/api/files.hpp>
#include <coassist/responses/accumulator.hpp>
#include <coassist/sse/parser.hpp>
#include <coassist/stream/accumulator.hpp>

#include <csignal>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace coassist;

constexpr int exit_ok = 0;
constexpr int exit_api = 1;
constexpr int exit_usage = 2;
constexpr int exit_transport = 3;

std::string_view kind_name(errc k) {
  switch (k) {
  case errc::bad_request:
    return "bad_request";
  case errc::authentication:
    return "authentication";
  case errc::permission_denied:
    return "permission_denied";
  case errc::not_found:
    return "not_found";
  case errc::conflict:
    return "conflict";
  case errc::unprocessable_entity:
    return "unprocessable_entity";
  case errc::rate_limit:
    return "rate_limit";
  case errc::internal_server:
    return "internal_server";
  case errc::api_status:
    return "api_status";
  case errc::connection:
    return "connection";
  case errc::timeout:
    return "timeout";
  case errc::cancelled:
    return "cancelled";
  case errc::missing_api_key:
    return "missing_api_key";
  case errc::invalid_response:
    return "invalid_response";
  case errc::stream_error:
    return "stream_error";
  case errc::stream_truncated:
    return "stream_truncated";
  case errc::invalid_argument:
    return "usage";
  case errc::response_failed:
    return "response_failed";
  case errc::response_incomplete:
    return "response_incomplete";
  case errc::refusal:
    return "refusal";
  case errc::invalid_output:
    return "invalid_output";
  }
  return "unknown";
}

int exit_code_for(errc k) {
  switch (k) {
  case errc::bad_request:
  case errc::authentication:
  case errc::permission_denied:
  case errc::not_found:
  case errc::conflict:
  case errc::unprocessable_entity:
  case errc::rate_limit:
  case errc::internal_server:
  case errc::api_status:
  case errc::stream_error:
  case errc::response_failed:
  case errc::response_incomplete:
  case errc::refusal:
  case errc::invalid_output:
    return exit_api;
  case errc::missing_api_key:
  case errc::invalid_argument:
    return exit_usage;
  case errc::connection:
  case errc::timeout:
  case errc::cancelled:
  case errc::invalid_response:
  case errc::stream_truncated:
    return exit_transport;
  }
  return exit_transport;
}

// The API key in use. A server may quote it in an error message ("Incorrect API key provided:
// ..."); the tool never prints it, so such quotes are masked.
std::string g_api_key;

std::string redact(std::string s) {
  if (g_api_key.size() < 4) return s;
  for (auto pos = s.find(g_api_key); pos != std::string::npos; pos = s.find(g_api_key, pos))
    s.replace(pos, g_api_key.size(), "[redacted]"), pos += 10;
  return s;
}

json::value string_or_null(const std::string& s) {
  return s.empty() ? json::value(nullptr) : json::value(json::string(redact(s)));
}

void write_line(std::FILE* f, const json::value& v) {
  std::string s = json_text(v);
  s += '\n';
  std::fwrite(s.data(), 1, s.size(), f);
  std::fflush(f);
}

// {"error": {"kind", "status", "message", "type", "code", "param", "request_id"}} on stderr.
int report(const error_info& info) {
  json::object e;
  e["kind"] = kind_name(info.kind);
  e["status"] = info.status ? json::value(info.status) : json::value(nullptr);
  std::string message = info.message.empty() ? make_error_code(info.kind).message() : info.message;
  if (!info.where.empty()) message = info.where + ": " + message;
  e["message"] = redact(message);
  e["type"] = string_or_null(info.type);
  e["code"] = string_or_null(info.code);
  e["param"] = string_or_null(info.param);
  e["request_id"] = string_or_null(info.request_id);
  json::object top;
  top["error"] = std::move(e);
  write_line(stderr, top);
  return exit_code_for(info.kind);
}

int report_usage(const std::string& message) {
  error_info info;
  info.kind = errc::invalid_argument;
  info.message = message;
  return report(info);
}

error_info read_error_info(std::error_code ec) {
  error_info info;
  info.kind = (ec == net::error::idle_timeout || ec == net::error::deadline_exceeded)
                  ? errc::timeout
                  : errc::connection;
  info.where = "reading the response";
  info.message = ec.message();
  return info;
}

// The fields of an `event: error` payload (the Error object, or {"error": Error}).
error_info stream_error_info(const json::value& data) {
  error_info info;
  info.kind = errc::stream_error;
  const json::object* o = data.if_object();
  if (o)
    if (const json::value* inner = o->if_contains("error"); inner && inner->is_object())
      o = &inner->get_object();
  auto text = [&](std::string_view key) -> std::string {
    const json::value* v = o ? o->if_contains(key) : nullptr;
    if (!v) return {};
    if (v->is_string()) return std::string(v->get_string());
    if (v->is_null()) return {};
    return json_text(*v);
  };
  info.message = text("message");
  if (info.message.empty()) info.message = "the server sent event: error";
  info.type = text("type");
  info.code = text("code");
  info.param = text("param");
  return info;
}

// A Response (JSON) whose status is `failed` or `incomplete`: not success (exit 1), with what the
// server said about it. nullopt for any other status.
std::optional<error_info> unsuccessful_response(const json::value& response) {
  const json::object* o = response.if_object();
  const json::value* status = o ? o->if_contains("status") : nullptr;
  if (!status || !status->is_string()) return std::nullopt;
  error_info info;
  info.kind = errc::api_status;
  if (status->get_string() == "failed") {
    info.type = "response_failed";
    const json::value* e = o->if_contains("error");
    if (e && e->is_object()) {
      info = stream_error_info(*e);
      info.kind = errc::api_status;
      info.type = "response_failed";
    }
    if (info.message.empty() || info.message == "the server sent event: error")
      info.message = "the response failed";
  } else if (status->get_string() == "incomplete") {
    info.type = "response_incomplete";
    info.message = "the response is incomplete";
    const json::value* d = o->if_contains("incomplete_details");
    if (d && d->is_object())
      if (const json::value* r = d->get_object().if_contains("reason"); r && r->is_string())
        info.message += ": " + std::string(r->get_string());
  } else {
    return std::nullopt;
  }
  if (const json::value* id = o->if_contains("id"); id && id->is_string())
    info.message += " (" + std::string(id->get_string()) + ")";
  return info;
}

// The events of a Responses stream: one {"event", "data"} line each (keepalives skipped). It ends
// at response.completed / .failed / .incomplete; `error` exits 1, and so does a response that
// ended failed or incomplete; a body that ends before a terminal event exits 3. `--accumulate`
// adds {"final_response": RESPONSE} as the last line (responses::accumulator), also when the
// response ended failed or incomplete (then exit 1).
asio::awaitable<int> print_response_events(net::response_stream& s, bool accumulate,
                                           std::FILE* out) {
  sse::parser parser;
  std::optional<json::value> final_response;
  std::optional<error_info> server_error;
  std::optional<responses::accumulator> acc;
  if (accumulate) acc.emplace();
  std::string acc_problem; // the first event the accumulator could not apply
  std::size_t events = 0;
  for (;;) {
    auto [ec, chunk] =
        co_await s.async_read_some(asio::experimental::as_tuple(asio::use_awaitable));
    if (ec) co_return report(read_error_info(ec));
    if (chunk.empty()) break;
    parser.feed(chunk);
    std::error_code pec;
    while (auto ev = parser.next(pec)) {
      std::error_code jec;
      json::value data = json::parse(ev->data, jec);
      if (jec) data = json::string(ev->data);
      // the data's "type" names the event (the `event:` line repeats it, or is absent)
      std::string type(ev->type);
      if (const json::object* o = data.if_object())
        if (const json::value* t = o->if_contains("type"); t && t->is_string())
          type = std::string(t->get_string());
      if (type == "keepalive") continue;
      json::object line;
      line["event"] = type;
      line["data"] = data;
      write_line(out, line);
      ++events;
      if (acc && acc_problem.empty())
        if (acc->apply(type, data))
          acc_problem = "event " + std::to_string(events) + " (" + type + "): " + acc->problem();
      if (type == "error" && !server_error) server_error = stream_error_info(data);
      if ((type == "response.completed" || type == "response.failed" ||
           type == "response.incomplete") &&
          !final_response) {
        const json::object* o = data.if_object();
        const json::value* r = o ? o->if_contains("response") : nullptr;
        final_response = r ? *r : json::value(json::object{});
      }
    }
    if (pec) {
      error_info info;
      info.kind = errc::invalid_response;
      info.where = "event stream";
      info.message = pec.message();
      co_return report(info);
    }
  }
  parser.finish();
  if (server_error) co_return report(*server_error);
  if (!final_response) {
    error_info info;
    info.kind = errc::stream_truncated;
    info.message = "the stream ended without response.completed, .failed or .incomplete";
    co_return report(info);
  }
  if (acc) {
    if (!acc_problem.empty()) {
      error_info info;
      info.kind = errc::invalid_response;
      info.where = "accumulating the stream";
      info.message = acc_problem;
      co_return report(info);
    }
    write_line(out, acc->to_json());
  }
  if (auto failed = unsuccessful_response(*final_response)) co_return report(*failed);
  co_return exit_ok;
}

// One line per event; `--accumulate` adds the accumulated end state as the last line.
asio::awaitable<int> print_events(net::response_stream& s, bool accumulate, std::FILE* out) {
  sse::parser parser;
  std::optional<stream::accumulator> acc;
  if (accumulate) acc.emplace();
  bool saw_end = false; // `done` or a terminal run event
  std::optional<error_info> server_error;
  for (;;) {
    auto [ec, chunk] =
        co_await s.async_read_some(asio::experimental::as_tuple(asio::use_awaitable));
    if (ec) co_return report(read_error_info(ec));
    if (chunk.empty()) break;
    parser.feed(chunk);
    std::error_code pec;
    while (auto ev = parser.next(pec)) {
      std::error_code jec;
      json::value data = json::parse(ev->data, jec);
      if (jec) data = json::string(ev->data); // `done` carries "[DONE]"
      json::object line;
      line["event"] = ev->type;
      line["data"] = data;
      write_line(out, line);
      if (ev->type == "done" || stream::is_final_run_event(ev->type)) saw_end = true;
      if (ev->type == "error" && !server_error) server_error = stream_error_info(data);
      if (acc) acc->apply(ev->type, std::move(data));
    }
    if (pec) {
      error_info info;
      info.kind = errc::invalid_response;
      info.where = "event stream";
      info.message = pec.message();
      co_return report(info);
    }
  }
  parser.finish();
  if (server_error) co_return report(*server_error);
  if (!saw_end) {
    error_info info;
    info.kind = errc::stream_truncated;
    info.message = "the stream ended without a terminal run event or done";
    co_return report(info);
  }
  if (acc) write_line(out, acc->to_json());
  co_return exit_ok;
}

asio::awaitable<int> run(client c, const cli::invocation& inv, std::FILE* out) {
  const api::operation_info& op = *inv.op;
  call_args args;
  args.path = inv.path;
  args.query = inv.query;
  args.body = inv.body;
  if (cli::is_multipart(op)) {
    file_upload upload = file_upload::from_path(inv.upload_path);
    args.body_stream =
        detail::multipart_source(inv.form_fields, inv.upload_field, upload, args.content_type);
  }
  request_options ro;
  ro.timeout = inv.timeout;
  ro.max_retries = inv.max_retries;
  ro.extra_headers = inv.headers;

  if (inv.stream || cli::is_raw_download(op)) {
    args.event_stream = inv.stream;
    net::response_stream s = co_await c.open(op, std::move(args), std::move(ro));
    if (inv.stream && cli::is_responses_operation(op))
      co_return co_await print_response_events(s, inv.accumulate, out);
    if (inv.stream) co_return co_await print_events(s, inv.accumulate, out);
    // Raw bytes (file content), written as they arrive.
    for (;;) {
      auto [ec, chunk] =
          co_await s.async_read_some(asio::experimental::as_tuple(asio::use_awaitable));
      if (ec) co_return report(read_error_info(ec));
      if (chunk.empty()) break;
      std::fwrite(chunk.data(), 1, chunk.size(), out);
    }
    std::fflush(out);
    co_return exit_ok;
  }
  if (cli::has_no_declared_body(op)) {
    // deleteResponse: printed as it came (JSON on one line when it is JSON)
    net::response r = co_await c.call_raw(op, std::move(args), std::move(ro));
    std::error_code jec;
    json::value v = json::parse(r.body, jec);
    if (!jec)
      write_line(out, v);
    else if (!r.body.empty())
      std::fwrite(r.body.data(), 1, r.body.size(), out);
    co_return exit_ok;
  }
  json::value v = co_await c.call(op, std::move(args), std::move(ro));
  write_line(out, v);
  // a created response that ended failed or incomplete is not success
  if (op.operation_id == "createResponse")
    if (auto failed = unsuccessful_response(v)) co_return report(*failed);
  co_return exit_ok;
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  cli::invocation inv;
  try {
    inv = cli::parse(args);
  } catch (const cli::usage_error& e) {
    return report_usage(e.what());
  }
  if (inv.help) {
    std::fputs(inv.help_text.c_str(), stdout);
    return exit_ok;
  }

  client_options options = client_options::from_environment();
  if (inv.base_url) options.base_url = *inv.base_url;
  if (inv.api_key) options.api_key = *inv.api_key;
  g_api_key = options.api_key;
  if (inv.ca_file) options.transport.tls.ca_file = *inv.ca_file;
  if (inv.max_retries) options.transport.retry.max_retries = *inv.max_retries;
  if (inv.timeout) {
    // The overall deadline bounds the call until the response head; a stream's silence and the
    // connect step are bounded by it too.
    options.transport.overall_timeout = *inv.timeout;
    options.transport.idle_timeout = std::min(options.transport.idle_timeout, *inv.timeout);
    options.transport.connect_timeout = std::min(options.transport.connect_timeout, *inv.timeout);
  }

  asio::io_context io;
  std::optional<client> c;
  try {
    c.emplace(io.get_executor(), std::move(options));
  } catch (const std::exception& e) {
    // a bad base URL or an unreadable CA file
    return report_usage(e.what());
  }

  std::FILE* out = stdout;
  if (!inv.output_path.empty()) {
    out = std::fopen(inv.output_path.c_str(), "wb");
    if (!out) return report_usage("cannot write --output " + inv.output_path);
  }

  // Ctrl-C / SIGTERM: stop at once (an open stream's connection is closed), exit 128 + signal.
  int rc = exit_transport;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&rc, &io](std::error_code ec, int signal_number) {
    if (ec) return;
    rc = 128 + signal_number;
    io.stop();
  });
  asio::co_spawn(io, run(*c, inv, out), [&rc, &signals](std::exception_ptr ep, int code) {
    rc = ep ? report(error_info_of(ep)) : code;
    signals.cancel();
  });
  io.run();

  if (out != stdout) {
    std::fclose(out);
    if (rc != exit_ok && !inv.stream) std::remove(inv.output_path.c_str());
  }
  return rc;
}
