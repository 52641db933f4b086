using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Hosting;

/// <summary>
/// Bodies, headers and content types an attacker (or a broken client) sends: each is the client's
/// mistake, answered 4xx as problem details (RFC 6749 JSON on the token endpoints), never a 500, and
/// logged at most at Information without a stack trace.
/// </summary>
public sealed class HostileInputTests(AppWithCapturedLogs app) : IClassFixture<AppWithCapturedLogs>
{
    private static readonly CancellationToken Cancel = TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("/v1/auth/token")]
    [InlineData("/v1/auth/revoke")]
    public async Task A_form_endpoint_without_a_content_type_is_a_415_problem(string path)
    {
        var mark = DateTimeOffset.UtcNow;

        var empty = await app.CreateClient().PostAsync(path, content: null, Cancel);
        var blank = await SendAsync(app.CreateClient(), path, "grant_type=password", contentType: "");

        await empty.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        await blank.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        AssertNothingAboveInformation(mark);
    }

    [Theory]
    [InlineData("/v1/auth/token", "grant_type=password&username=a%00b&password=x")]
    [InlineData("/v1/auth/revoke", "token=a%00b")]
    [InlineData("/v1/auth/token", "grant_type=password&password=x&LONGKEY=1")]
    [InlineData("/v1/auth/revoke", "LONGKEY=1")]
    public async Task An_unreadable_form_is_an_rfc6749_invalid_request(string path, string form)
    {
        var mark = DateTimeOffset.UtcNow;

        var response = await SendAsync(app.CreateClient(), path, form.Replace("LONGKEY", new string('k', 3000)), "application/x-www-form-urlencoded");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = await response.AssertJsonAsync(HttpStatusCode.BadRequest);
        Assert.Equal("invalid_request", error.GetProperty("error").GetString());
        AssertNothingAboveInformation(mark);
    }

    [Theory]
    [InlineData("application/json; charset=bogus")]
    [InlineData("application/json; charset=utf-16")]
    [InlineData("application/json; charset=\"")]
    [InlineData("application/json; ; ;=")]
    public async Task A_json_body_in_anything_but_utf8_is_a_415_problem(string contentType)
    {
        var mark = DateTimeOffset.UtcNow;
        var body = """{"email":"charset@strongroom.test","password":"correct horse battery","fullName":"Charset"}""";

        var response = await SendAsync(app.CreateClient(), "/v1/auth/register", body, contentType);

        await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        AssertNothingAboveInformation(mark);
    }

    [Fact]
    public async Task A_form_in_a_bogus_charset_is_a_415_problem()
    {
        var response = await SendAsync(app.CreateClient(), "/v1/auth/token", "grant_type=password", "application/x-www-form-urlencoded; charset=bogus");

        await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task Utf8_named_in_any_case_is_accepted()
    {
        var body = $$"""{"email":"utf8-{{Guid.NewGuid():N}}@strongroom.test","password":"correct horse battery","fullName":"Zoë 😀"}""";

        var response = await SendAsync(app.CreateClient(), "/v1/auth/register", body, "application/json; charset=UTF-8");

        var user = await response.AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal("Zoë 😀", user.GetProperty("fullName").GetString());
    }

    [Theory]
    [InlineData("amount")]
    [InlineData("AMOUNT")]
    [InlineData("Amount")]
    public async Task A_duplicated_member_is_refused_and_moves_nothing(string duplicate)
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 10_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var body = $$"""{"fromAccountId":"{{from}}","toAccountId":"{{to}}","amount":1,"currency":"EUR","{{duplicate}}":1000}""";

        var response = await SendAsync(alice.Client, "/v1/transfers", body, "application/json", LedgerClient.NewKey());

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
        Assert.Contains(duplicate, problem.GetProperty("detail").GetString());
        Assert.Equal(new Balance(10_000, 0, 10_000), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(0, 0, 0), await bob.BalanceAsync(to));
    }

    [Fact]
    public async Task A_duplicated_member_inside_a_batch_item_or_metadata_is_refused()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 10_000);
        var (_, to) = await app.OpenFundedAccountAsync(admin, 0);
        var inBatch = $$$"""{"transfers":[{"fromAccountId":"{{{from}}}","toAccountId":"{{{to}}}","amount":1,"currency":"EUR","Amount":9000}]}""";
        var inMetadata = $$$"""{"fromAccountId":"{{{from}}}","toAccountId":"{{{to}}}","amount":1,"currency":"EUR","metadata":{"order":"1","order":"2"}}""";
        var twoBodies = $$$"""{"transfers":[{"fromAccountId":"{{{from}}}","toAccountId":"{{{to}}}","amount":1,"currency":"EUR"}],"transfers":[]}""";

        var batch = await SendAsync(alice.Client, "/v1/transfers/batch", inBatch, "application/json", LedgerClient.NewKey());
        var metadata = await SendAsync(alice.Client, "/v1/transfers", inMetadata, "application/json", LedgerClient.NewKey());
        var twice = await SendAsync(alice.Client, "/v1/transfers/batch", twoBodies, "application/json", LedgerClient.NewKey());

        await batch.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
        await metadata.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
        await twice.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
        Assert.Equal(new Balance(10_000, 0, 10_000), await alice.BalanceAsync(from));
    }

    [Fact]
    public async Task A_null_item_in_a_batch_is_a_validation_problem()
    {
        var mark = DateTimeOffset.UtcNow;
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 10_000);
        var (_, to) = await app.OpenFundedAccountAsync(admin, 0);
        var onlyNull = """{"transfers":[null]}""";
        var nullAmongOthers = $$"""{"transfers":[{"fromAccountId":"{{from}}","toAccountId":"{{to}}","amount":1,"currency":"EUR"},null]}""";

        var alone = await SendAsync(alice.Client, "/v1/transfers/batch", onlyNull, "application/json", LedgerClient.NewKey());
        var among = await SendAsync(alice.Client, "/v1/transfers/batch", nullAmongOthers, "application/json", LedgerClient.NewKey());

        var problem = await alone.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("transfers", out _), problem.ToString());
        await among.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal(new Balance(10_000, 0, 10_000), await alice.BalanceAsync(from));
        AssertNothingAboveInformation(mark);
    }

    [Theory]
    [InlineData("description", "\\u0000")]
    [InlineData("description", "\\u001b[31m")]
    [InlineData("description", "line\\nbreak")]
    [InlineData("description", "\\u0085")]
    [InlineData("metadataKey", "\\u0000")]
    [InlineData("metadataValue", "\\u0007")]
    public async Task Control_characters_in_free_text_are_refused(string where, string text)
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 10_000);
        var (_, to) = await app.OpenFundedAccountAsync(admin, 0);
        var extra = where switch
        {
            "description" => $$""","description":"a{{text}}b" """,
            "metadataKey" => $$$""","metadata":{"k{{{text}}}":"v"}""",
            _ => $$$""","metadata":{"k":"v{{{text}}}"}""",
        };
        var body = $$$"""{"fromAccountId":"{{{from}}}","toAccountId":"{{{to}}}","amount":1,"currency":"EUR"{{{extra}}}}""";

        var response = await SendAsync(alice.Client, "/v1/transfers", body, "application/json", LedgerClient.NewKey());

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
        Assert.Contains("control characters", problem.GetProperty("detail").GetString());
        Assert.Equal(new Balance(10_000, 0, 10_000), await alice.BalanceAsync(from));
    }

    [Fact]
    public async Task An_unpaired_surrogate_is_refused()
    {
        var alice = await app.RegisterAndSignInAsync();

        var response = await alice.Client.PostRawAsync("/v1/accounts", """{"currency":"EUR","name":"pot\ud800"}""", "application/json");

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Control_characters_in_names_are_refused_everywhere()
    {
        var alice = await app.RegisterAndSignInAsync();

        var register = await app.CreateClient().PostRawAsync(
            "/v1/auth/register", """{"email":"nul@strongroom.test","password":"correct horse battery","fullName":"Eve\u0000"}""", "application/json");
        var account = await alice.Client.PostRawAsync("/v1/accounts", """{"currency":"EUR","name":"pot\u0000"}""", "application/json");
        var profile = await alice.Client.SendAsync(
            new HttpRequestMessage(HttpMethod.Patch, "/v1/me") { Content = new StringContent("""{"fullName":"Alice\u001b"}""", Encoding.UTF8, "application/json") }, Cancel);

        await register.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
        await account.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
        await profile.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
        var accounts = await (await alice.Client.GetAsync("/v1/accounts", Cancel)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Empty(accounts.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Two_idempotency_keys_are_refused_not_joined()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 10_000);
        var (_, to) = await app.OpenFundedAccountAsync(admin, 0);
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/transfers") { Content = Json(LedgerClient.Transfer(from, to, 100)) };
        request.Headers.TryAddWithoutValidation(LedgerClient.IdempotencyKeyHeader, ["first", "second"]);

        var twice = await alice.Client.SendAsync(request, Cancel);
        // The joined form a proxy might have produced is a key of its own, and works.
        var joined = await alice.Client.PostWithKeyAsync("/v1/transfers", LedgerClient.Transfer(from, to, 100), "first,second");

        await twice.AssertProblemAsync(HttpStatusCode.BadRequest, "idempotency_key_missing");
        await joined.AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal(new Balance(9_900, 0, 9_900), await alice.BalanceAsync(from));
    }

    [Theory]
    [InlineData("key\u0001")]
    [InlineData("clé")]
    [InlineData("   ")]
    public async Task An_idempotency_key_that_is_not_printable_ascii_is_refused(string key)
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 10_000);
        var (_, to) = await app.OpenFundedAccountAsync(admin, 0);

        var response = await alice.Client.PostWithKeyAsync("/v1/transfers", LedgerClient.Transfer(from, to, 100), key);

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "idempotency_key_missing");
        Assert.Equal(new Balance(10_000, 0, 10_000), await alice.BalanceAsync(from));
    }

    [Theory]
    [InlineData("not-a-jwt")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl")]
    public async Task A_bad_bearer_token_is_a_401_logged_without_a_stack_trace(string token)
    {
        var mark = DateTimeOffset.UtcNow;
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

        var response = await client.GetAsync("/v1/accounts", Cancel);

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        AssertNothingAboveInformation(mark);
    }

    [Fact]
    public async Task A_server_fault_still_logs_at_error()
    {
        var broken = new AppWithCapturedLogs();
        await broken.InitializeAsync();
        try
        {
            var victim = await broken.RegisterAndSignInAsync();
            await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={broken.DatabasePath}"))
            {
                await connection.OpenAsync(Cancel);
                await using var command = connection.CreateCommand();
                command.CommandText = "DROP TABLE accounts";
                await command.ExecuteNonQueryAsync(Cancel);
            }

            var response = await victim.Client.GetAsync("/v1/accounts", Cancel);

            await response.AssertProblemAsync(HttpStatusCode.InternalServerError, "internal_error");
            Assert.Contains(broken.Logs.Entries, entry => entry.Level == LogLevel.Error && entry.Exception is not null);
        }
        finally
        {
            await broken.DisposeAsync();
        }
    }

    private void AssertNothingAboveInformation(DateTimeOffset mark)
    {
        var loud = app.Logs.Since(mark, LogLevel.Information).Where(entry => entry.Level > LogLevel.Information || (entry.Exception is not null && entry.Level >= LogLevel.Information)).ToList();
        Assert.True(loud.Count == 0, "Logged above Information or with an exception: " + string.Join("; ", loud));
    }

    private static readonly System.Text.Json.JsonSerializerOptions WebJson = new(System.Text.Json.JsonSerializerDefaults.Web);

    private static StringContent Json(object body) =>
        new(System.Text.Json.JsonSerializer.Serialize(body, WebJson), Encoding.UTF8, "application/json");

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string path, string body, string contentType, string? idempotencyKey = null)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation(LedgerClient.IdempotencyKeyHeader, idempotencyKey);
        }

        return client.SendAsync(request, Cancel);
    }
}
