namespace Strongroom.Features.Vocabulary;

/// <summary>Webhook endpoint ids, and where their signing secrets are bound when encrypted (shared with <c>rotate-keys</c>).</summary>
public static class WebhookEndpointIds
{
    public const string Prefix = "whe";

    /// <summary>The associated data both secret columns of an endpoint are encrypted under: a copied value does not decrypt elsewhere.</summary>
    public static string SecretContext(string endpointId) => $"webhook_endpoints.secret:{endpointId}";
}
