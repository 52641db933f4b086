using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Hosting;

/// <summary>
/// Strongroom.http, the walk-through a developer runs from the IDE, run here request by request
/// against the service, so a renamed route or field breaks a test rather than the first minute of
/// someone new. The admin's credentials are the fixture's, as a developer pastes the printed ones.
/// </summary>
public sealed partial class HttpFileTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    [Fact]
    public async Task Every_request_of_Strongroom_http_answers_2xx_and_the_statement_shows_the_transfer()
    {
        var file = HttpFile.Parse(await File.ReadAllTextAsync(Path.Combine(Repository.Root(), "Strongroom.http"), TestContext.Current.CancellationToken));
        using var client = app.CreateClient();
        file.Variables["host"] = client.BaseAddress!.GetLeftPart(UriPartial.Authority);
        file.Variables["adminEmail"] = app.AdminEmail;
        file.Variables["adminPassword"] = app.AdminPassword;
        Assert.Equal(
            ["register", "customer", "current", "savings", "admin", "deposit", "transfer", "statement", "balanceAt", "findTransfers", "events"],
            file.Requests.Select(request => request.Name));

        var responses = new Dictionary<string, JsonElement>();
        foreach (var request in file.Requests)
        {
            using var message = new HttpRequestMessage(new HttpMethod(request.Method), file.Substitute(request.Url, responses));
            var contentType = "text/plain";
            foreach (var (name, value) in request.Headers)
            {
                var substituted = file.Substitute(value, responses);
                if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                {
                    contentType = substituted;
                }
                else
                {
                    Assert.True(message.Headers.TryAddWithoutValidation(name, substituted), $"{request.Name}: header {name}");
                }
            }

            if (request.Body.Length > 0)
            {
                message.Content = new StringContent(file.Substitute(request.Body, responses), Encoding.UTF8);
                message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            }

            using var response = await client.SendAsync(message, TestContext.Current.CancellationToken);
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(response.IsSuccessStatusCode, $"{request.Name}: {request.Method} {message.RequestUri} answered {(int)response.StatusCode}: {body}");
            responses[request.Name] = JsonDocument.Parse(body).RootElement.Clone();
        }

        var transfer = responses["transfer"];
        Assert.Equal(2500, transfer.GetProperty("amount").GetInt64());
        var statement = responses["statement"].GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([-2500L, 10000L], statement.Select(entry => entry.GetProperty("amount").GetInt64()));
        Assert.Equal(transfer.GetProperty("id").GetString(), statement[0].GetProperty("transferId").GetString());
        Assert.Equal(7500, statement[0].GetProperty("balanceAfter").GetInt64());
        var events = responses["events"].GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["account.opened", "account.opened", "transfer.posted", "transfer.posted"], events.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal(transfer.GetProperty("id").GetString(), events[^1].GetProperty("data").GetProperty("id").GetString());
    }

    private sealed record HttpRequest(string Name, string Method, string Url, IReadOnlyList<(string Name, string Value)> Headers, string Body);

    /// <summary>
    /// The part of the IDE HTTP-client format the file uses: <c>@name = value</c> variables, requests
    /// between <c>###</c> lines, <c># @name</c>, and <c>{{variable}}</c>, <c>{{$timestamp}}</c> and
    /// <c>{{request.response.body.$.path}}</c> references.
    /// </summary>
    private sealed partial class HttpFile
    {
        public Dictionary<string, string> Variables { get; } = [];

        public List<HttpRequest> Requests { get; } = [];

        public static HttpFile Parse(string text)
        {
            var file = new HttpFile();
            foreach (var block in SeparatorPattern().Split(text.Replace("\r\n", "\n", StringComparison.Ordinal)))
            {
                var lines = block.Split('\n');
                var index = 0;
                string? name = null;
                for (; index < lines.Length; index++)
                {
                    var line = lines[index].Trim();
                    if (NamePattern().Match(line) is { Success: true } named)
                    {
                        name = named.Groups[1].Value;
                    }
                    else if (VariablePattern().Match(line) is { Success: true } variable)
                    {
                        file.Variables[variable.Groups[1].Value] = variable.Groups[2].Value.Trim();
                    }
                    else if (line.Length > 0 && !line.StartsWith('#') && !line.StartsWith("//", StringComparison.Ordinal))
                    {
                        break;
                    }
                }

                if (index == lines.Length)
                {
                    continue;
                }

                var requestLine = lines[index++].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var headers = new List<(string, string)>();
                for (; index < lines.Length && lines[index].Trim().Length > 0; index++)
                {
                    var colon = lines[index].IndexOf(':', StringComparison.Ordinal);
                    headers.Add((lines[index][..colon].Trim(), lines[index][(colon + 1)..].Trim()));
                }

                var body = string.Join('\n', lines.Skip(index)).Trim();
                file.Requests.Add(new HttpRequest(name ?? $"request{file.Requests.Count + 1}", requestLine[0], requestLine[1], headers, body));
            }

            return file;
        }

        public string Substitute(string text, IReadOnlyDictionary<string, JsonElement> responses) =>
            ReferencePattern().Replace(text, match => Resolve(match.Groups[1].Value.Trim(), responses));

        private string Resolve(string reference, IReadOnlyDictionary<string, JsonElement> responses)
        {
            if (reference == "$timestamp")
            {
                return DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            }

            if (Variables.TryGetValue(reference, out var value))
            {
                return Substitute(value, responses);
            }

            var parts = reference.Split('.');
            Assert.True(parts is [_, "response", "body", "$", ..], $"Unknown reference {{{{{reference}}}}}");
            Assert.True(responses.TryGetValue(parts[0], out var element), $"{{{{{reference}}}}} names a request not yet sent");
            foreach (var property in parts[4..])
            {
                element = element.GetProperty(property);
            }

            return element.ValueKind == JsonValueKind.String ? element.GetString()! : element.GetRawText();
        }

        [GeneratedRegex(@"^###.*$", RegexOptions.Multiline)]
        private static partial Regex SeparatorPattern();

        [GeneratedRegex(@"^(?:#|//)\s*@name\s+(\S+)$")]
        private static partial Regex NamePattern();

        [GeneratedRegex(@"^@([A-Za-z0-9_]+)\s*=(.*)$")]
        private static partial Regex VariablePattern();

        [GeneratedRegex(@"\{\{(.+?)\}\}")]
        private static partial Regex ReferencePattern();
    }
}
