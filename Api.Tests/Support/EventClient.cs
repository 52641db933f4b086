using System.Net;
using System.Text.Json;

namespace Strongroom.Api.Tests.Support;

/// <summary>Reading the event log as a client would: every page of <c>/v1/events</c>, one event by id.</summary>
public static class EventClient
{
    /// <summary>Every event the caller may see (of <paramref name="types"/>, comma-separated, when given), following nextCursor with pages of <paramref name="limit"/>.</summary>
    public static async Task<List<JsonElement>> EventsAsync(this SignedIn reader, string? types = null, int limit = 100)
    {
        var all = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var query = $"/v1/events?limit={limit}" + (types is null ? "" : $"&types={Uri.EscapeDataString(types)}") + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}");
            var page = await (await reader.Client.GetAsync(query, TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);
            all.AddRange(page.GetProperty("items").EnumerateArray());
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        return all;
    }

    public static Task<HttpResponseMessage> EventAsync(this SignedIn reader, string eventId) =>
        reader.Client.GetAsync($"/v1/events/{eventId}", TestContext.Current.CancellationToken);

    public static string Type(this JsonElement @event) => @event.GetProperty("type").GetString()!;

    /// <summary>The id of the resource the event carries.</summary>
    public static string DataId(this JsonElement @event) => @event.GetProperty("data").GetProperty("id").GetString()!;
}
