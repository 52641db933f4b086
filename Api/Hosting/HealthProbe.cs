namespace Strongroom.Api.Hosting;

/// <summary>
/// <c>strongroom probe [url]</c>: asks a running instance's health endpoint and exits 0 when it answers
/// 200, 1 otherwise. The runtime image has no shell and no curl, so this is what a container health
/// check runs (compose); Kubernetes probes over HTTP itself.
/// </summary>
public static class HealthProbe
{
    public const string DefaultUrl = "http://127.0.0.1:8080/health/ready";

    public static async Task<int> RunAsync(string[] arguments)
    {
        var url = arguments is [var given, ..] ? given : DefaultUrl;
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await client.GetAsync(new Uri(url));
            Console.WriteLine($"{url}: {(int)response.StatusCode}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or UriFormatException)
        {
            Console.WriteLine($"{url}: {exception.Message}");
            return 1;
        }
    }
}
