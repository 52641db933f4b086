namespace Strongroom.Features.Vocabulary;

public static class ClientIds
{
    public const string Prefix = "cli";
}

public static class ClientStatuses
{
    public const string Active = "active";
    public const string Revoked = "revoked";
}
