using Microsoft.OpenApi;

namespace Strongroom.Api.Hosting;

/// <summary>
/// The one parameter every resource route shares, <c>{id}</c>, described from the route it is in.
/// Every other parameter is described where it is declared (<c>[Description]</c>).
/// </summary>
public static class ApiDocsParameters
{
    public static void Describe(OpenApiOperation operation, string? relativePath)
    {
        foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
        {
            if (parameter is { In: ParameterLocation.Path, Name: "id" } && string.IsNullOrEmpty(parameter.Description))
            {
                parameter.Description = $"The opaque id of the {ResourceOf(relativePath)}, as its `id` member gives it.";
            }
        }
    }

    /// <summary>"v1/admin/accounts/{id}/freeze" → "account"; "v1/admin/clients/{id}" → "service client".</summary>
    private static string ResourceOf(string? relativePath)
    {
        var segments = (relativePath ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        var index = Array.IndexOf(segments, "{id}");
        var collection = index > 0 ? segments[index - 1] : "resource";
        return collection switch
        {
            "clients" => "service client",
            "entries" => "entry",
            _ => collection.TrimEnd('s'),
        };
    }
}
