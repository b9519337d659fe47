// The Conversations API: conversations and their items. Responses made with `conversation`
// append their input and output items here (api_responses.cpp).
#include "state.hpp"

namespace emu {

namespace {

// stores `items` after checking them against what the conversation holds
json::array add_items(state& s, conversation_rec& c, const json::value& items,
                      const std::string& param) {
  json::array stored = store_input(s, items, param);
  json::array existing;
  for (const auto& id : c.items.order)
    existing.push_back(c.items.items.at(id));
  check_no_duplicates(existing, stored, param);
  for (const auto& item : stored)
    c.items.add(std::string(item.at("id").as_string()), item.as_object());
  return stored;
}

http_reply create_conversation(state& s, request_ctx& ctx) {
  check_metadata(ctx.body);
  conversation_rec c;
  std::string id = s.new_id("conv_");
  c.obj["id"] = id;
  c.obj["object"] = "conversation";
  c.obj["created_at"] = unix_now();
  json::value md = field_or(ctx.body, "metadata", nullptr);
  c.obj["metadata"] = md.is_null() ? json::value(json::object()) : md;
  auto items = field_or(ctx.body, "items", nullptr);
  if (!items.is_null()) add_items(s, c, items, "items");
  return json_reply(s.conversations.insert_or_assign(id, std::move(c)).first->second.obj);
}

http_reply get_conversation(state& s, request_ctx& ctx) {
  return json_reply(s.conversation(ctx.param("conversation_id")).obj);
}

http_reply update_conversation(state& s, request_ctx& ctx) {
  auto& c = s.conversation(ctx.param("conversation_id"));
  check_metadata(ctx.body);
  json::value md = field_or(ctx.body, "metadata", nullptr);
  c.obj["metadata"] = md.is_null() ? json::value(json::object()) : md;
  return json_reply(c.obj);
}

http_reply delete_conversation(state& s, request_ctx& ctx) {
  const std::string& id = ctx.param("conversation_id");
  s.conversation(id);
  s.conversations.erase(id);
  return json_reply({{"id", id}, {"object", "conversation.deleted"}, {"deleted", true}});
}

http_reply create_items(state& s, request_ctx& ctx) {
  auto& c = s.conversation(ctx.param("conversation_id"));
  json::array added = add_items(s, c, ctx.body.at("items"), "items");
  json::object page;
  page["object"] = "list";
  page["first_id"] = added.empty() ? json::value(nullptr) : added.front().at("id");
  page["last_id"] = added.empty() ? json::value(nullptr) : added.back().at("id");
  page["data"] = std::move(added);
  page["has_more"] = false;
  json::object out;
  for (const char* k : {"object", "data", "first_id", "last_id", "has_more"})
    out[k] = page[k];
  return json_reply(std::move(out));
}

http_reply list_items(state& s, request_ctx& ctx) {
  auto& c = s.conversation(ctx.param("conversation_id"));
  std::vector<const json::object*> items;
  items.reserve(c.items.order.size());
  for (const auto& id : c.items.order)
    items.push_back(&c.items.items.at(id));
  return list_reply(ctx, items, false);
}

json::object& item_of(conversation_rec& c, const std::string& id) {
  if (auto* item = c.items.find(id)) return *item;
  throw api_error(404, "Item with id '" + id + "' not found.");
}

http_reply get_item(state& s, request_ctx& ctx) {
  auto& c = s.conversation(ctx.param("conversation_id"));
  return json_reply(item_of(c, ctx.param("item_id")));
}

http_reply delete_item(state& s, request_ctx& ctx) {
  auto& c = s.conversation(ctx.param("conversation_id"));
  item_of(c, ctx.param("item_id"));
  c.items.erase(ctx.param("item_id"));
  return json_reply(c.obj); // the service answers with the conversation
}

} // namespace

void register_conversation_handlers(state& s) {
  s.handlers["createConversation"] = create_conversation;
  s.handlers["getConversation"] = get_conversation;
  s.handlers["updateConversation"] = update_conversation;
  s.handlers["deleteConversation"] = delete_conversation;
  s.handlers["createConversationItems"] = create_items;
  s.handlers["listConversationItems"] = list_items;
  s.handlers["getConversationItem"] = get_item;
  s.handlers["deleteConversationItem"] = delete_item;
}

} // namespace emu
