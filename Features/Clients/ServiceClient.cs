using Strongroom.Infrastructure.Common;

namespace Strongroom.Features.Clients;

/// <summary>A service client as administrators see it: never with its secret or the secret's hash.</summary>
public sealed record ClientResponse(string Id, string OwnerId, string Name, IReadOnlyList<string> Scopes, string Status, DateTimeOffset CreatedAt);

/// <summary>The answer to creating a client: the only time its secret is ever shown.</summary>
public sealed record CreatedClientResponse(string Id, string OwnerId, string Name, IReadOnlyList<string> Scopes, string Status, DateTimeOffset CreatedAt, string ClientSecret);

/// <summary>A <c>service_clients</c> row, without the secret hash.</summary>
public sealed class ClientRow
{
    public const string Columns = """
        id AS Id, owner_id AS OwnerId, name AS Name, scopes AS Scopes, status AS Status, created_at AS CreatedAt
        """;

    public string Id { get; init; } = "";

    public string OwnerId { get; init; } = "";

    public string Name { get; init; } = "";

    public string Scopes { get; init; } = "";

    public string Status { get; init; } = "";

    public long CreatedAt { get; init; }

    public ClientResponse ToResponse() =>
        new(Id, OwnerId, Name, [.. Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries)], Status, UnixMicroseconds.ToDateTimeOffset(CreatedAt));
}
