using System.ComponentModel;
using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Strongroom.Features.Common;
using Strongroom.Infrastructure.Events;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Events;

public static class ListEvents
{
    public static RouteHandlerBuilder MapListEvents(this IEndpointRouteBuilder group) =>
        group.MapGet("/", HandleAsync)
            .WithName("ListEvents")
            .WithSummary("The events the caller may see, oldest first")
            .WithDescription("Events about the caller's accounts (staff: every event), in the order they were committed, keyset-paginated: pass the returned nextCursor to get the next page (null on the last page); to poll for new events, pass the id of the last event read as after. types filters by a comma-separated list of event types; an unknown type is a 400. Events are kept for Events:Retention (30 days by default).")
            .ProducesValidationProblem();

    public static async Task<Results<Ok<Page<EventResponse>>, ValidationProblem, ProblemHttpResult>> HandleAsync(
        [AsParameters] PageRequest page,
        [Description("Only events of these types, comma-separated (for example transfer.posted,account.opened); all when absent.")] string? types,
        [Description("Only events committed after this one (an event id, evt_…): how a consumer that has read to the end resumes from the last event it processed. With a cursor too, whichever is later.")] string? after,
        ClaimsPrincipal user, SqlDatabase database, CancellationToken cancellationToken)
    {
        if (!page.TryAfterSequence(out var from))
        {
            return PageRequest.InvalidCursor();
        }

        if (after is not null)
        {
            if (!EventIds.TryParse(after, out var sequence))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["after"] = ["Not an event id (evt_ and 13 base32 digits)."] });
            }

            from = Math.Max(from, sequence);
        }

        if (!TryParseTypes(types, out var wanted, out var unknown))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["types"] = [$"Unknown event type '{unknown}'; expected some of: {string.Join(", ", EventTypes.Subscribable)}, {EventTypes.WebhookTest}."],
            });
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var parameters = new { UserId = user.UserId(), After = from, Types = wanted, Take = page.Fetch };
        var rows = (user.IsStaff()
            ? await connection.QueryAsync<StoredEvent>(database.FirstRows(database.Pick(Sqlite.All, SqlServer.All)), parameters)
            : await connection.QueryAsync<StoredEvent>(database.FirstRows(database.Pick(Sqlite.Audience, SqlServer.Audience)), parameters)).ToList();

        // The cursor is the last event's sequence, which its id spells (EventIds.Format is the inverse of TryParse).
        return TypedResults.Ok(Paging.From(rows, page.Take, EventResponse.From,
            item => (EventIds.TryParse(item.Id, out var sequence) ? sequence : 0).ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>
    /// The types asked for, as the JSON array the statements unpack (null: all). False, with the
    /// first unknown name, when one is not an event type.
    /// </summary>
    private static bool TryParseTypes(string? types, out string? wanted, out string? unknown)
    {
        wanted = null;
        unknown = null;
        var names = (types ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 0)
        {
            return true;
        }

        foreach (var name in names)
        {
            if (!EventTypes.IsSubscribable(name) && name != EventTypes.WebhookTest)
            {
                // Echoed in the problem: cut, so a huge query string is not sent back whole.
                unknown = name.Length > 64 ? name[..64] : name;
                return false;
            }
        }

        wanted = JsonSerializer.Serialize(names.Distinct(StringComparer.Ordinal).ToArray(), StrongroomJsonContext.Default.StringArray);
        return true;
    }

    private static class Sqlite
    {
        public const string All = $"""
            SELECT {StoredEvent.Columns} FROM events
            WHERE sequence > @After AND (@Types IS NULL OR type IN (SELECT value FROM json_each(@Types)))
            ORDER BY sequence
            """;

        public const string Audience = """
            SELECT e.sequence AS Sequence, e.type AS Type, e.created_at AS CreatedAt, e.data AS Data
            FROM event_audience a JOIN events e ON e.sequence = a.sequence
            WHERE a.user_id = @UserId AND a.sequence > @After AND (@Types IS NULL OR e.type IN (SELECT value FROM json_each(@Types)))
            ORDER BY a.sequence
            """;
    }

    private static class SqlServer
    {
        public const string All = $"""
            SELECT {StoredEvent.Columns} FROM events
            WHERE sequence > @After AND (@Types IS NULL OR type IN (SELECT value FROM OPENJSON(@Types)))
            ORDER BY sequence
            """;

        public const string Audience = """
            SELECT e.sequence AS Sequence, e.type AS Type, e.created_at AS CreatedAt, e.data AS Data
            FROM event_audience a JOIN events e ON e.sequence = a.sequence
            WHERE a.user_id = @UserId AND a.sequence > @After AND (@Types IS NULL OR e.type IN (SELECT value FROM OPENJSON(@Types)))
            ORDER BY a.sequence
            """;
    }
}
