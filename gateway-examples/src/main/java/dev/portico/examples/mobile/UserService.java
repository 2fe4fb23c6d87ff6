package dev.portico.examples.mobile;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The user service: {@code GET /users/{id}}, and {@code GET /users/me} for the user named by {@code X-User-Id}. */
final class UserService implements ServiceHandler {

    private final Map<String, User> users;

    UserService(List<User> users) {
        this.users = users.stream().collect(Collectors.toUnmodifiableMap(User::id, Function.identity()));
    }

    /** Returns the service with the demo's users alice, bob and carol. */
    static UserService demo() {
        return new UserService(List.of(
                new User("alice", "Alice Liddell", "alice@example.com"),
                new User("bob", "Bob Marley", "bob@example.com"),
                new User("carol", "Carol Danvers", "carol@example.com")));
    }

    @Override
    public Reply handle(Call call) {
        List<String> segments = call.segments();
        if (segments.size() != 2 || !segments.get(0).equals("users") || segments.get(1).isEmpty()) {
            return Reply.notFound("no resource at " + call.path());
        }
        if (!call.isRead()) {
            return Reply.methodNotAllowed(call.method(), "GET, HEAD");
        }
        boolean me = segments.get(1).equals("me");
        String id = me ? call.userId() : segments.get(1);
        if (id == null) {
            return Reply.badRequest("the X-User-Id header is required");
        }
        User user = users.get(id);
        return user != null ? Reply.ok(user) : Reply.notFound("no user " + id);
    }
}
