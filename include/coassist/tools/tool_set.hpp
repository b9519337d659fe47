// The tool runtime: tools declared as plain C++ (a name, a description, a handler whose parameter
// is a plain aggregate), a tool set built at compile time that describes them to the model and
// runs the model's calls in parallel. Protocol-neutral: it knows `tool_call` and `tool_output`
// only, so the Assistants run loops and a Responses API front end can both use it.
//
//   struct get_weather_args {
//     std::string city;
//     static constexpr coassist::reflect::field_description field_descriptions[] = {
//         {"city", "City name"}};
//   };
//   struct weather { double celsius; std::string sky; };
//
//   auto tools = coassist::tools::make_tool_set(
//       coassist::tools::tool("get_weather", "Current weather of a city",
//           [](get_weather_args a) -> asio::awaitable<weather> { co_return weather{21, "sunny"};
//           }),
//       coassist::tools::tool("add", "Adds two integers",
//           [](add_args a) { return a.x + a.y; }),                  // plain function
//       coassist::tools::tool("hash_file", "Hashes a file",
//           coassist::tools::blocking([](hash_args a) { return slow_hash(a.path); })));
//
//   json::array for_the_assistant = tools.definitions();   // the `tools` array of create
//   json::array for_a_response = tools.definitions(tools::api_shape::responses); // flat shape
//   tools::dispatch_options o{.max_concurrency = 16, .per_call_timeout = std::chrono::seconds(30)};
//   std::vector<tool_output> outputs = co_await tools.dispatch(calls, o);
//
// (g++ 12 destroys a braced aggregate temporary written inside a co_await expression twice:
// name such arguments in a variable first, as above.)
//
// Handlers: `R(Args)`, `asio::awaitable<R>(Args)`, or `tools::blocking(fn)` for a function that
// blocks (it runs on `dispatch_options::blocking_executor`, by default a pool the tool set owns).
// A handler may also take no parameter. R: a reflected struct, std::string (sent as is),
// json::value, any other reflectable value (integers, vectors...), or void ("ok").
//
// Outputs that are errors are JSON `{"error": "..."}` written for the model (invalid arguments
// with their JSON path, unknown tool, the handler's exception message, a timeout, cancellation);
// `tool_output::is_error` tells the application. Nothing a handler or the model does throws out
// of dispatch; only cancellation of the awaiting coroutine does (asio::error::operation_aborted).
//
// Threading: the calls of one dispatch run on a strand of the awaiting coroutine's executor
// (works on an io_context driven by poll() and on a thread pool); plain handlers therefore run
// one at a time between suspensions: put CPU-heavy or blocking work in `blocking(...)`.
#pragma once

#include <coassist/config.hpp>
#include <coassist/detail/asio.hpp>
#include <coassist/json/decode.hpp>
#include <coassist/json/encode.hpp>
#include <coassist/json/schema.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <vector>

namespace coassist::tools {

/// Which API a tool description is written for: the two nest function tools differently.
enum class api_shape { assistants, responses };

/// One function call requested by the model.
struct tool_call {
  std::string id;
  std::string name;
  std::string arguments; // a JSON text
};

/// The answer to one tool call.
struct tool_output {
  std::string tool_call_id;
  std::string output;
  bool is_error = false; // `output` is an {"error": ...} written for the model
};

/// How a batch of calls runs.
struct dispatch_options {
  /// How many calls run at once (0: all of them).
  std::size_t max_concurrency = 64;
  /// Deadline of each call (zero: none). A late call gets an error output; a coroutine handler
  /// sees cancellation; a blocking handler keeps running on its pool, its result is dropped.
  std::chrono::steady_clock::duration per_call_timeout{};
  /// Where blocking handlers run (empty: the tool set's own pool).
  asio::any_io_executor blocking_executor{};
};

/// An error output's text: `{"error":"<message>"}`.
COASSIST_DECL std::string error_output_text(std::string_view message) {
  json::object o;
  o.emplace("error", message);
  return json_text(o);
}

/// Marks a handler as blocking: it runs off the event loop, on a thread pool.
template <class F> struct blocking_handler { F function; };
template <class F> blocking_handler<std::decay_t<F>> blocking(F&& function) {
  return {std::forward<F>(function)};
}

/// No parameters: the argument type of a handler that takes none.
struct no_arguments {};

namespace detail {

template <class T> struct is_awaitable : std::false_type {};
template <class T, class E> struct is_awaitable<asio::awaitable<T, E>> : std::true_type {};

template <class T> struct awaitable_value { using type = T; };
template <class T, class E> struct awaitable_value<asio::awaitable<T, E>> { using type = T; };

// The parameter and result of a handler, deduced from its call operator or function type.
template <class F> struct signature_of : signature_of<decltype(&F::operator())> {};
template <class R, class... A> struct signature_of<R (*)(A...)> {
  using result = R;
  using parameters = std::tuple<A...>;
};
template <class R, class... A>
struct signature_of<R (*)(A...) noexcept> : signature_of<R (*)(A...)> {};
template <class R, class... A> struct signature_of<R(A...)> : signature_of<R (*)(A...)> {};
#define COASSIST_TOOLS_MEMBER_SIGNATURE(QUALIFIERS)                                                \
  template <class R, class C, class... A>                                                          \
  struct signature_of<R (C::*)(A...) QUALIFIERS> : signature_of<R (*)(A...)> {};
COASSIST_TOOLS_MEMBER_SIGNATURE()
COASSIST_TOOLS_MEMBER_SIGNATURE(const)
COASSIST_TOOLS_MEMBER_SIGNATURE(noexcept)
COASSIST_TOOLS_MEMBER_SIGNATURE(const noexcept)
#undef COASSIST_TOOLS_MEMBER_SIGNATURE

template <class F>
concept has_known_signature = requires {
  typename signature_of<F>::result;
};

template <class Parameters> struct arguments_of_parameters {
  static_assert(reflect::detail::always_false<Parameters>,
                "coassist::tools: a handler takes one plain aggregate struct (or nothing)");
};
template <> struct arguments_of_parameters<std::tuple<>> { using type = no_arguments; };
template <class A> struct arguments_of_parameters<std::tuple<A>> {
  using type = std::remove_cvref_t<A>;
};

// A call's result before it becomes a tool_output.
struct call_result {
  std::string output;
  bool is_error = false;
};

COASSIST_DECL call_result error_result(std::string_view message) {
  return {error_output_text(message), true};
}

COASSIST_DECL call_result exception_result(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return error_result(std::string("the tool failed: ") + x.what());
  } catch (...) {
    return error_result("the tool failed with an unknown exception");
  }
}

template <class R> call_result result_of_value(const R& value) {
  return {reflect::to_text(value), false};
}

// Facts a call needs besides its arguments.
struct run_environment {
  asio::any_io_executor blocking_executor;
  std::shared_ptr<const void> keep_alive; // the tools, for work left running on a pool
};

} // namespace detail

/// A declared tool. Make one with `tools::tool(name, description, handler)`.
template <class Handler> class function_tool {
  template <class H> struct function_type { using type = H; };
  template <class F> struct function_type<blocking_handler<F>> { using type = F; };

public:
  /// Runs on a thread pool (declared with tools::blocking).
  static constexpr bool is_blocking = requires { std::declval<Handler&>().function; };
  using function = typename function_type<Handler>::type;
  static_assert(detail::has_known_signature<function>,
                "coassist::tools: cannot deduce the handler's parameter: use a lambda or function "
                "with one concrete parameter type (no `auto`)");
  using arguments = typename detail::arguments_of_parameters<
      typename detail::signature_of<function>::parameters>::type;
  using raw_result = typename detail::signature_of<function>::result;
  static constexpr bool is_coroutine = detail::is_awaitable<raw_result>::value;
  using result = typename detail::awaitable_value<raw_result>::type;
  static_assert(reflect::reflectable_struct<arguments>,
                "coassist::tools: a handler's parameter must be a plain aggregate struct");
  static_assert(!(is_blocking && is_coroutine),
                "coassist::tools: a blocking handler cannot be a coroutine");

  function_tool(std::string name, std::string description, Handler handler, bool strict)
      : name_(std::move(name)), description_(std::move(description)), handler_(std::move(handler)),
        strict_(strict) {}

  const std::string& name() const noexcept { return name_; }
  const std::string& description() const noexcept { return description_; }
  bool strict() const noexcept { return strict_; }

  /// The same tool with strict mode on or off (default on).
  function_tool with_strict(bool strict) const& {
    function_tool copy = *this;
    copy.strict_ = strict;
    return copy;
  }

  /// The tool's description in the shape of `api`: Assistants
  /// `{"type":"function","function":{"name","description","parameters","strict"}}`, or Responses
  /// (flat) `{"type":"function","name","description","parameters","strict"}`.
  json::object definition(api_shape api = api_shape::assistants) const {
    json::object function;
    if (api == api_shape::responses) function.emplace("type", "function");
    function.emplace("name", name_);
    function.emplace("description", description_);
    function.emplace("parameters", reflect::schema_of<arguments>(strict_));
    function.emplace("strict", strict_);
    if (api == api_shape::responses) return function;
    json::object out;
    out.emplace("type", "function");
    out.emplace("function", std::move(function));
    return out;
  }

  /// Decodes the arguments and runs the handler; every failure becomes an error result.
  asio::awaitable<detail::call_result> run(std::string_view arguments_text,
                                           const detail::run_environment& env) const {
    reflect::decode_result<arguments> decoded =
        reflect::decode<arguments>(arguments_text, {.strict = strict_});
    if (!decoded)
      co_return detail::error_result("invalid arguments for " + name_ + ":\n" + decoded.error());
    if constexpr (is_blocking) {
      co_return co_await run_blocking(std::move(decoded).value(), env);
    } else if constexpr (is_coroutine) {
      std::exception_ptr failure;
      try {
        if constexpr (std::is_void_v<result>) {
          co_await invoke(std::move(decoded).value());
          co_return detail::call_result{"ok", false};
        } else {
          result value = co_await invoke(std::move(decoded).value());
          co_return detail::result_of_value(value);
        }
      } catch (...) {
        failure = std::current_exception();
      }
      co_return detail::exception_result(failure);
    } else {
      co_return run_plain(std::move(decoded).value());
    }
  }

private:
  decltype(auto) invoke(arguments&& args) const {
    const function& f = function_ref();
    if constexpr (std::tuple_size_v<typename detail::signature_of<function>::parameters> == 0)
      return std::invoke(f);
    else
      return std::invoke(f, std::move(args));
  }

  const function& function_ref() const noexcept {
    if constexpr (is_blocking)
      return handler_.function;
    else
      return handler_;
  }

  detail::call_result run_plain(arguments&& args) const noexcept {
    try {
      if constexpr (std::is_void_v<result>) {
        invoke(std::move(args));
        return {"ok", false};
      } else {
        return detail::result_of_value(invoke(std::move(args)));
      }
    } catch (...) {
      return detail::exception_result(std::current_exception());
    }
  }

  asio::awaitable<detail::call_result> run_blocking(arguments args,
                                                    const detail::run_environment& env) const {
    using channel =
        asio::experimental::concurrent_channel<void(asio::error_code, detail::call_result)>;
    auto ready = std::make_shared<channel>(co_await asio::this_coro::executor, 1);
    // the pool may finish after this call timed out or was cancelled: it owns what it uses
    auto work = [this, ready, keep_alive = env.keep_alive, args = std::move(args)]() mutable {
      ready->try_send(asio::error_code{}, run_plain(std::move(args)));
    };
    asio::post(env.blocking_executor, std::move(work));
    auto [ec, result] =
        co_await ready->async_receive(asio::experimental::as_tuple(asio::use_awaitable));
    if (ec) co_return detail::error_result("cancelled");
    co_return std::move(result);
  }

  std::string name_;
  std::string description_;
  Handler handler_;
  bool strict_ = true;
};

/// Declares a tool. Strict mode (OpenAI strict function calling) is on; `.with_strict(false)`
/// turns it off. Names must match ^[a-zA-Z0-9_-]{1,64}$ (checked by make_tool_set).
template <class Handler>
function_tool<std::decay_t<Handler>> tool(std::string name, std::string description,
                                          Handler&& handler) {
  return {std::move(name), std::move(description), std::forward<Handler>(handler), true};
}

/// A fixed set of tools (see make_tool_set). Cheap to copy (shared state).
template <class... Tools> class tool_set {
public:
  explicit tool_set(Tools... tools)
      : tools_(std::make_shared<const std::tuple<Tools...>>(std::move(tools)...)),
        pool_(std::make_shared<pool_holder>()) {
    std::vector<std::string_view> names;
    std::apply([&](const auto&... t) { (names.push_back(t.name()), ...); }, *tools_);
    for (std::string_view name : names) {
      const bool valid =
          !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
            return c == '_' || c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                   (c >= '0' && c <= '9');
          });
      if (!valid)
        throw std::invalid_argument("coassist::tools: invalid tool name \"" + std::string(name) +
                                    "\" (allowed: 1 to 64 of a-z A-Z 0-9 _ -)");
      if (std::count(names.begin(), names.end(), name) > 1)
        throw std::invalid_argument("coassist::tools: two tools are named \"" + std::string(name) +
                                    "\"");
    }
  }

  static constexpr std::size_t size() noexcept { return sizeof...(Tools); }

  /// The `tools` array of an assistant or run (api_shape::assistants), or of a response
  /// (api_shape::responses: flat function tools).
  json::array definitions(api_shape api = api_shape::assistants) const {
    json::array out;
    std::apply([&](const auto&... t) { (out.emplace_back(t.definition(api)), ...); }, *tools_);
    return out;
  }

  /// Runs every call (in parallel up to `max_concurrency`) and returns one output per call, in
  /// the order of `calls`. `calls` must stay alive until this completes (it does when awaited).
  asio::awaitable<std::vector<tool_output>> dispatch(std::span<const tool_call> calls,
                                                     dispatch_options options = {}) const {
    auto ex = co_await asio::this_coro::executor;
    if (calls.empty()) co_return std::vector<tool_output>{};
    auto b = std::make_shared<batch>(ex, calls, make_environment(options));
    b->options = options;
    const std::size_t workers = options.max_concurrency == 0
                                    ? calls.size()
                                    : std::min(calls.size(), options.max_concurrency);
    b->signals = std::make_unique<asio::cancellation_signal[]>(workers);
    b->signal_count = workers;
    b->active = workers;
    for (std::size_t w = 0; w < workers; ++w) {
      auto on_worker_end = [b](std::exception_ptr) {
        if (--b->active == 0) b->done.try_send(asio::error_code{}, true);
      };
      asio::co_spawn(b->strand, worker(b, tools_),
                     asio::bind_cancellation_slot(b->signals[w].slot(), std::move(on_worker_end)));
    }

    bool cancelled = false;
    bool throw_if_cancelled = true;
    for (;;) {
      auto [ec, finished] =
          co_await b->done.async_receive(asio::experimental::as_tuple(asio::use_awaitable));
      if (!ec) break;
      // The awaiting coroutine was cancelled: stop every worker (on their strand, where their
      // cancellation slots live) and wait for them, so nothing outlives this call but pool work.
      if (!cancelled) {
        cancelled = true;
        throw_if_cancelled = co_await asio::this_coro::throw_if_cancelled();
        co_await asio::this_coro::throw_if_cancelled(false);
      }
      auto stop = [b] {
        b->cancelled = true;
        for (std::size_t w = 0; w < b->signal_count; ++w)
          b->signals[w].emit(asio::cancellation_type::terminal);
      };
      asio::post(b->strand, std::move(stop));
    }
    if (cancelled) {
      co_await asio::this_coro::throw_if_cancelled(throw_if_cancelled);
      throw std::system_error(asio::error::operation_aborted, "coassist::tools dispatch");
    }
    co_return std::move(b->outputs);
  }

  /// Completion-token form: completes with `void(std::exception_ptr, std::vector<tool_output>)`
  /// on `ex`. The calls are copied. Emit cancellation from the thread running `ex` (a strand or
  /// a single-threaded io_context).
  template <class CompletionToken>
  auto async_dispatch(asio::any_io_executor ex, std::vector<tool_call> calls,
                      dispatch_options options, CompletionToken&& token) const {
    return asio::co_spawn(ex, dispatch_owned(*this, std::move(calls), std::move(options)),
                          std::forward<CompletionToken>(token));
  }

private:
  struct pool_holder {
    std::once_flag once;
    std::unique_ptr<asio::thread_pool> pool;
    asio::any_io_executor executor() {
      std::call_once(once, [this] {
        pool = std::make_unique<asio::thread_pool>(
            std::max<std::size_t>(4, std::thread::hardware_concurrency()));
      });
      return pool->get_executor();
    }
  };

  struct batch {
    batch(const asio::any_io_executor& ex, std::span<const tool_call> c, detail::run_environment e)
        : calls(c), outputs(c.size()), strand(asio::make_strand(ex)), done(ex, 1),
          env(std::move(e)) {}
    std::span<const tool_call> calls;
    std::vector<tool_output> outputs;
    asio::strand<asio::any_io_executor> strand;
    asio::experimental::concurrent_channel<void(asio::error_code, bool)> done;
    detail::run_environment env;
    dispatch_options options;
    std::unique_ptr<asio::cancellation_signal[]> signals;
    std::size_t signal_count = 0;
    // the fields below are touched on the strand only
    std::size_t next = 0;
    std::size_t active = 0;
    bool cancelled = false;
  };

  using tools_tuple = std::tuple<Tools...>;
  using runner = asio::awaitable<detail::call_result> (*)(const tools_tuple&, std::string_view,
                                                          const detail::run_environment&);
  template <std::size_t I>
  static asio::awaitable<detail::call_result>
  run_at(const tools_tuple& t, std::string_view arguments, const detail::run_environment& env) {
    return std::get<I>(t).run(arguments, env);
  }
  template <std::size_t... I> static constexpr auto make_runners(std::index_sequence<I...>) {
    return std::array<runner, sizeof...(I)>{&run_at<I>...};
  }
  static constexpr auto runners = make_runners(std::index_sequence_for<Tools...>{});

  static std::size_t index_of(const tools_tuple& t, std::string_view name) {
    std::size_t found = sizeof...(Tools);
    std::size_t i = 0;
    auto visit = [&](const auto& tool) {
      if (found == sizeof...(Tools) && tool.name() == name) found = i;
      ++i;
    };
    std::apply([&](const auto&... tool) { (visit(tool), ...); }, t);
    return found;
  }

  static std::string unknown_tool_message(const tools_tuple& t, std::string_view name) {
    std::string message = "unknown tool \"" + std::string(name) + "\" (available:";
    std::apply([&](const auto&... tool) { ((message += " " + tool.name()), ...); }, t);
    return message + ")";
  }

  detail::run_environment make_environment(const dispatch_options& options) const {
    detail::run_environment env;
    if constexpr ((Tools::is_blocking || ...)) {
      env.blocking_executor =
          options.blocking_executor ? options.blocking_executor : pool_->executor();
      env.keep_alive = tools_;
    }
    return env;
  }

  static asio::awaitable<detail::call_result> run_call(const tools_tuple& t, const tool_call& call,
                                                       const detail::run_environment& env) {
    const std::size_t i = index_of(t, call.name);
    if (i == sizeof...(Tools)) co_return detail::error_result(unknown_tool_message(t, call.name));
    co_return co_await runners[i](t, call.arguments, env);
  }

  static asio::awaitable<detail::call_result>
  run_with_deadline(const tools_tuple& t, const tool_call& call, const batch& b) {
    const auto timeout = b.options.per_call_timeout;
    if (timeout <= std::chrono::steady_clock::duration::zero())
      co_return co_await run_call(t, call, b.env);
    using namespace asio::experimental::awaitable_operators;
    asio::steady_timer deadline(co_await asio::this_coro::executor, timeout);
    auto work = run_call(t, call, b.env);
    auto expiry = deadline.async_wait(asio::use_awaitable);
    auto first = co_await (std::move(work) || std::move(expiry));
    if (first.index() == 1) {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count();
      co_return detail::error_result("the tool did not finish within " + std::to_string(ms) +
                                     " ms");
    }
    co_return std::get<0>(std::move(first));
  }

  // Takes calls one after another until none is left; `max_concurrency` workers run at once.
  static asio::awaitable<void> worker(std::shared_ptr<batch> b,
                                      std::shared_ptr<const tools_tuple> t) {
    while (!b->cancelled && b->next < b->calls.size()) {
      const std::size_t i = b->next++;
      const tool_call& call = b->calls[i];
      detail::call_result r = co_await run_with_deadline(*t, call, *b);
      if (b->cancelled) r = detail::error_result("cancelled");
      b->outputs[i] = tool_output{call.id, std::move(r.output), r.is_error};
    }
  }

  static asio::awaitable<std::vector<tool_output>>
  dispatch_owned(tool_set self, std::vector<tool_call> calls, dispatch_options options) {
    co_return co_await self.dispatch(calls, std::move(options));
  }

  std::shared_ptr<const tools_tuple> tools_;
  std::shared_ptr<pool_holder> pool_;
};

/// Builds the tool set: `make_tool_set(tool("a", "...", fa), tool("b", "...", fb))`.
/// Throws std::invalid_argument for an invalid or repeated name.
template <class... Handlers>
tool_set<function_tool<Handlers>...> make_tool_set(function_tool<Handlers>... tools) {
  return tool_set<function_tool<Handlers>...>(std::move(tools)...);
}

} // namespace coassist::tools
