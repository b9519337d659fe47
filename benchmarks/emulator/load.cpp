// coassist-emulator-load: a small Beast load client for coassist-emulator.
//   get    N keep-alive connections doing small GETs for D seconds -> requests/second
//   stream one long scripted stream per round (E events), R rounds -> events/second
//   responses_stream  the same with a streamed Response (POST /responses, obfuscation on as the
//          service's default) -> events/second
//   mixed  N connections running whole run round trips concurrently (the TSan test's load);
//          exits 1 on any unexpected status
// usage: coassist-emulator-load MODE BASE_URL [--connections N] [--seconds D] [--events E]
//        [--rounds R] [--iterations I]
// Output: one JSON line with the figures.
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;

namespace {

struct target {
  std::string host, port, prefix; // prefix: "/v1"
};

target parse_url(const std::string& url) {
  // http://HOST:PORT/v1
  auto rest = url.substr(url.find("://") + 3);
  auto slash = rest.find('/');
  auto hostport = rest.substr(0, slash);
  auto colon = hostport.rfind(':');
  return {hostport.substr(0, colon), hostport.substr(colon + 1), rest.substr(slash)};
}

class connection {
public:
  explicit connection(const target& t) : t_(t), stream_(ioc_) {
    tcp::resolver resolver(ioc_);
    stream_.connect(resolver.resolve(t.host, t.port));
    stream_.socket().set_option(tcp::no_delay(true));
  }

  // returns status and body
  std::pair<unsigned, std::string> call(http::verb verb, const std::string& path,
                                        const std::string& body = {}) {
    http::request<http::string_body> req{verb, t_.prefix + path, 11};
    req.set(http::field::host, t_.host);
    req.set("OpenAI-Beta", "assistants=v2");
    req.set(http::field::authorization, "Bearer load");
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
    stream_.expires_after(std::chrono::seconds(30));
    http::write(stream_, req);
    http::response_parser<http::string_body> parser;
    parser.body_limit(1u << 30);
    http::read(stream_, buffer_, parser);
    return {parser.get().result_int(), std::move(parser.get().body())};
  }

private:
  target t_;
  net::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

std::string id_of(const std::string& body) {
  return std::string(json::parse(body).at("id").as_string());
}

std::size_t count_events(const std::string& body) {
  std::size_t n = 0;
  for (std::size_t pos = 0; (pos = body.find("event: ", pos)) != std::string::npos; pos += 7)
    ++n;
  return n;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty()      ? 0
         : v.size() % 2 ? v[v.size() / 2]
                        : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

int arg_int(int argc, char** argv, const std::string& name, int fallback) {
  for (int i = 3; i + 1 < argc; ++i)
    if (argv[i] == name) return std::stoi(argv[i + 1]);
  return fallback;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: coassist-emulator-load get|stream|responses_stream|mixed BASE_URL "
                 "[--connections N] "
                 "[--seconds D] "
                 "[--events E] [--rounds R] [--iterations I]\n";
    return 2;
  }
  const std::string mode = argv[1];
  const target t = parse_url(argv[2]);
  const int connections = arg_int(argc, argv, "--connections", 4);
  try {
    connection setup(t);
    auto [st, body] = setup.call(
        http::verb::post, "/assistants",
        R"({"model":"gpt-4o","tools":[{"type":"function","function":{"name":"get_weather"}}]})");
    if (st != 200) throw std::runtime_error("create assistant: " + body);
    const std::string assistant = id_of(body);

    if (mode == "get") {
      const int seconds = arg_int(argc, argv, "--seconds", 3);
      std::atomic<long> total{0}, errors{0};
      std::vector<std::thread> pool;
      const auto deadline = steady::now() + std::chrono::seconds(seconds);
      const auto started = steady::now();
      for (int i = 0; i < connections; ++i)
        pool.emplace_back([&] {
          connection c(t);
          long n = 0;
          while (steady::now() < deadline) {
            if (c.call(http::verb::get, "/assistants/" + assistant).first != 200) ++errors;
            ++n;
          }
          total += n;
        });
      for (auto& th : pool)
        th.join();
      double secs = std::chrono::duration<double>(steady::now() - started).count();
      std::cout << json::serialize(
                       json::object{{"mode", "get"},
                                    {"connections", connections},
                                    {"requests", total.load()},
                                    {"errors", errors.load()},
                                    {"seconds", secs},
                                    {"requests_per_second", static_cast<double>(total) / secs}})
                << std::endl;
      return errors ? 1 : 0;
    }
    if (mode == "stream") {
      const int events = arg_int(argc, argv, "--events", 20000);
      const int rounds = arg_int(argc, argv, "--rounds", 5);
      std::vector<double> rates;
      std::size_t seen = 0;
      for (int r = 0; r < rounds; ++r) {
        auto [s1, thread_body] = setup.call(http::verb::post, "/threads", "{}");
        const std::string thread = id_of(thread_body);
        std::string text(static_cast<std::size_t>(events) * 4, 'x');
        json::object script{
            {"thread_id", thread},
            {"turns", json::array{json::object{{"text", text}, {"chunks", events}}}}};
        setup.call(http::verb::post, "/_emulator/scripts", json::serialize(script));
        auto started = steady::now();
        auto [s2, stream_body] =
            setup.call(http::verb::post, "/threads/" + thread + "/runs",
                       R"({"assistant_id":")" + assistant + R"(","stream":true})");
        double secs = std::chrono::duration<double>(steady::now() - started).count();
        if (s2 != 200) throw std::runtime_error("stream: " + stream_body);
        seen = count_events(stream_body);
        rates.push_back(static_cast<double>(seen) / secs);
      }
      std::cout << json::serialize(json::object{
                       {"mode", "stream"},
                       {"events_per_stream", seen},
                       {"rounds", rounds},
                       {"median_events_per_second", median(rates)},
                       {"min_events_per_second", *std::min_element(rates.begin(), rates.end())},
                       {"max_events_per_second", *std::max_element(rates.begin(), rates.end())}})
                << std::endl;
      return 0;
    }
    if (mode == "responses_stream") {
      const int events = arg_int(argc, argv, "--events", 20000);
      const int rounds = arg_int(argc, argv, "--rounds", 5);
      std::vector<double> rates;
      std::size_t seen = 0;
      for (int r = 0; r < rounds; ++r) {
        std::string text(static_cast<std::size_t>(events) * 4, 'x');
        json::object script{
            {"turns", json::array{json::object{{"text", text}, {"chunks", events}}}}};
        setup.call(http::verb::post, "/_emulator/scripts", json::serialize(script));
        auto started = steady::now();
        auto [s2, stream_body] = setup.call(http::verb::post, "/responses",
                                            R"({"model":"gpt-4o","input":"go","stream":true})");
        double secs = std::chrono::duration<double>(steady::now() - started).count();
        if (s2 != 200) throw std::runtime_error("responses stream: " + stream_body);
        seen = count_events(stream_body);
        rates.push_back(static_cast<double>(seen) / secs);
      }
      std::cout << json::serialize(json::object{
                       {"mode", "responses_stream"},
                       {"events_per_stream", seen},
                       {"rounds", rounds},
                       {"median_events_per_second", median(rates)},
                       {"min_events_per_second", *std::min_element(rates.begin(), rates.end())},
                       {"max_events_per_second", *std::max_element(rates.begin(), rates.end())}})
                << std::endl;
      return 0;
    }
    if (mode == "mixed") {
      const int iterations = arg_int(argc, argv, "--iterations", 20);
      std::atomic<long> ok{0}, errors{0};
      std::vector<std::thread> pool;
      for (int i = 0; i < connections; ++i)
        pool.emplace_back([&, i] {
          try {
            connection c(t);
            auto expect = [&](std::pair<unsigned, std::string> res, unsigned want) {
              if (res.first == want)
                ++ok;
              else {
                ++errors;
                std::cerr << "unexpected " << res.first << ": " << res.second.substr(0, 300)
                          << "\n";
              }
              return res.second;
            };
            for (int k = 0; k < iterations; ++k) {
              std::string city = "c" + std::to_string(i) + "_" + std::to_string(k);
              std::string thread = id_of(expect(
                  c.call(
                      http::verb::post, "/threads",
                      R"({"messages":[{"role":"user","content":"/call get_weather {\"city\":\")" +
                          city + R"(\"}"}]})"),
                  200));
              std::string stream =
                  expect(c.call(http::verb::post, "/threads/" + thread + "/runs",
                                R"({"assistant_id":")" + assistant + R"(","stream":true})"),
                         200);
              auto pos = stream.find("event: thread.run.requires_action\ndata: ");
              if (pos == std::string::npos) {
                ++errors;
                continue;
              }
              auto line = stream.substr(pos + 40, stream.find('\n', pos + 40) - pos - 40);
              auto run = json::parse(line).as_object();
              std::string run_id(run.at("id").as_string());
              std::string call_id(run.at("required_action")
                                      .at("submit_tool_outputs")
                                      .at("tool_calls")
                                      .at(0)
                                      .at("id")
                                      .as_string());
              expect(c.call(http::verb::post, "/threads/" + thread + "/messages",
                            R"({"role":"user","content":"x"})"),
                     400);
              expect(c.call(http::verb::post,
                            "/threads/" + thread + "/runs/" + run_id + "/submit_tool_outputs",
                            R"({"stream":true,"tool_outputs":[{"tool_call_id":")" + call_id +
                                R"(","output":"sunny"}]})"),
                     200);
              expect(c.call(http::verb::get, "/threads/" + thread + "/messages?limit=5&order=asc"),
                     200);
              expect(c.call(http::verb::get, "/threads/" + thread + "/runs/" + run_id + "/steps"),
                     200);
              expect(c.call(http::verb::post, "/threads/" + thread + "/runs",
                            R"({"assistant_id":")" + assistant + R"("})"),
                     200);
              expect(c.call(http::verb::get, "/threads/" + thread + "/runs"), 200);
              expect(c.call(http::verb::get, "/assistants?limit=3"), 200);
              expect(c.call(http::verb::post, "/vector_stores", R"({"name":"v"})"), 200);
              // the Responses side: a tool loop in a conversation, a background response that
              // is resumed and cancelled while other connections work
              std::string conv =
                  id_of(expect(c.call(http::verb::post, "/conversations", "{}"), 200));
              auto first = json::parse(expect(
                  c.call(
                      http::verb::post, "/responses",
                      R"({"model":"m","conversation":")" + conv +
                          R"(","tools":[{"type":"function","name":"get_weather","strict":false,"parameters":{}}],"input":"/call get_weather {\"city\":\")" +
                          city + R"(\"}"})"),
                  200));
              std::string fc_call(first.at("output").at(0).at("call_id").as_string());
              expect(c.call(http::verb::post, "/responses",
                            R"({"model":"m","stream":true,"conversation":")" + conv +
                                R"(","input":[{"type":"function_call_output","call_id":")" +
                                fc_call + R"(","output":"sunny"}]})"),
                     200);
              expect(c.call(http::verb::get, "/conversations/" + conv + "/items?limit=3"), 200);
              std::string bg =
                  id_of(expect(c.call(http::verb::post, "/responses",
                                      R"({"model":"m","input":"a b c","background":true})"),
                               200));
              expect(c.call(http::verb::get, "/responses/" + bg + "?stream=true&starting_after=1"),
                     200);
              expect(c.call(http::verb::post, "/responses/" + bg + "/cancel"), 200);
            }
          } catch (const std::exception& e) {
            ++errors;
            std::cerr << "connection failed: " << e.what() << "\n";
          }
        });
      for (auto& th : pool)
        th.join();
      std::cout << json::serialize(json::object{{"mode", "mixed"},
                                                {"connections", connections},
                                                {"ok", ok.load()},
                                                {"errors", errors.load()}})
                << std::endl;
      return errors ? 1 : 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "coassist-emulator-load: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "unknown mode " << mode << "\n";
  return 2;
}
