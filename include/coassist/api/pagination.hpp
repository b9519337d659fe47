// Cursor pagination as the service does it: `limit` (1..100, default 20), `order` (asc|desc,
// default desc), `after` / `before` cursors; a page says `has_more`. A pager walks every item of
// every page, fetching the next page only when the consumer gets there:
//
//   auto all = client.assistants().list_all({.limit = 50});
//   while (auto a = co_await all.next()) { ... }
#pragma once

#include <coassist/api/client.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace coassist {

struct list_params {
  std::optional<int> limit{};
  std::optional<std::string> order{}; // "asc" or "desc"
  std::optional<std::string> after{};
  std::optional<std::string> before{};
  // Operation-specific filters (`run_id` for messages, `purpose` for files, `filter` for vector
  // store files, `include[]` for run steps...), sent as they are.
  std::vector<std::pair<std::string, std::string>> extra{};

  std::vector<std::pair<std::string, std::string>> to_query() const {
    std::vector<std::pair<std::string, std::string>> q{};
    if (limit) q.emplace_back("limit", std::to_string(*limit));
    if (order) q.emplace_back("order", *order);
    if (after) q.emplace_back("after", *after);
    if (before) q.emplace_back("before", *before);
    q.insert(q.end(), extra.begin(), extra.end());
    return q;
  }
};

// Every item of a list operation, page after page. Page is the generated list response type
// (data, first_id, last_id, has_more); Item its element type.
template <class Page> class pager {
public:
  using item_type = typename decltype(Page::data)::value_type;

  pager(client c, const api::operation_info& op, call_args args, list_params params,
        request_options ro = {})
      : client_(std::move(c)), op_(&op), args_(std::move(args)), params_(std::move(params)),
        ro_(std::move(ro)) {}

  // The next item, or nullopt after the last one. Fetches a page when the current one is used up.
  asio::awaitable<std::optional<item_type>> next() {
    while (pos_ >= page_.data.size()) {
      if (started_ && !page_.has_more) co_return std::nullopt;
      if (started_) {
        if (cursor_.empty()) co_return std::nullopt; // has_more with no item: nothing to follow
        params_.after = cursor_;
        params_.before.reset();
      }
      co_await fetch();
    }
    co_return std::move(page_.data[pos_++]);
  }

  // The page most recently fetched (empty before the first next()).
  const Page& current_page() const noexcept { return page_; }
  // How many pages have been fetched so far.
  std::size_t pages_fetched() const noexcept { return pages_; }

private:
  static std::string cursor_of(const item_type& item) {
    if constexpr (requires { item.id; })
      return item.id;
    else
      return item_id(item); // an item union (Responses): found by argument-dependent lookup
  }

  asio::awaitable<void> fetch() {
    call_args a = args_;
    auto q = params_.to_query();
    a.query.insert(a.query.end(), q.begin(), q.end());
    page_ = co_await client_.call_as<Page>(*op_, std::move(a), ro_, asio::use_awaitable);
    pos_ = 0;
    started_ = true;
    // taken now: the items are moved out to the consumer one by one
    cursor_ = page_.data.empty() ? std::string() : cursor_of(page_.data.back());
    ++pages_;
  }

  client client_;
  const api::operation_info* op_;
  call_args args_;
  list_params params_;
  request_options ro_;
  Page page_{};
  std::string cursor_;
  std::size_t pos_ = 0;
  std::size_t pages_ = 0;
  bool started_ = false;
};

} // namespace coassist
