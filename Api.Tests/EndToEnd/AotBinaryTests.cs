using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.EndToEnd;

/// <summary>
/// Publishes the native AOT binary and drives it as a client would, on the embedded default:
/// no configuration, an empty folder, a free loopback port. Slow (a native compile); run it
/// alone with <c>dotnet test -- --filter-trait "Category=EndToEnd"</c>.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class AotBinaryTests
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(12);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_published_binary_serves_sign_up_to_money_movement_on_an_empty_folder()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var publishDirectory = TempDirectory.Create();
        var workDirectory = TempDirectory.Create();
        try
        {
            var binary = await PublishAsync(publishDirectory, cancellation);

            // `strongroom migrate` applies the schema and exits; the second time there is nothing to do.
            var migrateDirectory = Path.Combine(workDirectory, "migrate-only");
            Directory.CreateDirectory(migrateDirectory);
            Assert.Contains("0001_users_and_accounts", await RunToEndAsync(binary, ["migrate"], migrateDirectory, StartTimeout));
            Assert.Contains("Schema is up to date.", await RunToEndAsync(binary, ["migrate"], migrateDirectory, StartTimeout));
            Assert.True(File.Exists(Path.Combine(migrateDirectory, "data", "strongroom.db")));

            var (port, tlsPort) = (ServiceProcess.FreePort(), ServiceProcess.FreePort());
            // Kestrel serves HTTPS with a configured certificate; the service's user gets its own home folder.
            using var certificate = SelfSignedCertificate();
            var certificatePath = Path.Combine(workDirectory, "tls.pfx");
            await File.WriteAllBytesAsync(certificatePath, certificate.Export(X509ContentType.Pfx, "tls-test"), cancellation);
            var home = Path.Combine(workDirectory, "home");
            Directory.CreateDirectory(home);
            var started = Stopwatch.StartNew();
            using var process = Process.Start(new ProcessStartInfo(binary, ["--urls", $"http://127.0.0.1:{port};https://127.0.0.1:{tlsPort}"])
            {
                WorkingDirectory = workDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment =
                {
                    ["ASPNETCORE_ENVIRONMENT"] = "Production",
                    ["DOTNET_ENVIRONMENT"] = "Production",
                    ["Bootstrap__AdminEmail"] = AdminEmail,
                    ["Bootstrap__AdminPassword"] = AdminPassword,
                    ["Kestrel__Certificates__Default__Path"] = certificatePath,
                    ["Kestrel__Certificates__Default__Password"] = "tls-test",
                    ["HOME"] = home,
                },
            })!;
            var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
                await WaitUntilLiveAsync(client, process, output, cancellation);
                TestContext.Current.TestOutputHelper?.WriteLine($"Start-up to first 200: {started.ElapsedMilliseconds} ms");

                var email = $"aot-{Guid.NewGuid():N}@example.test";
                var registered = await client.PostAsJsonAsync("/v1/auth/register", new { email, password = "correct horse battery", fullName = "Native" }, cancellation);
                Assert.Equal(HttpStatusCode.Created, registered.StatusCode);

                var issued = await client.PostAsync("/v1/auth/token", StrongroomApp.TokenForm(email, "correct horse battery"), cancellation);
                var token = (await issued.AssertJsonAsync(HttpStatusCode.OK)).GetProperty("access_token").GetString();
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

                var opened = await client.PostAsJsonAsync("/v1/accounts", new { currency = "EUR", name = "Main" }, cancellation);
                var account = await opened.AssertJsonAsync(HttpStatusCode.Created);
                var read = await (await client.GetAsync(opened.Headers.Location, cancellation)).AssertJsonAsync(HttpStatusCode.OK);
                Assert.Equal(account.GetProperty("id").GetString(), read.GetProperty("id").GetString());
                Assert.Equal(0, read.GetProperty("balance").GetProperty("available").GetInt64());

                var refused = await client.PostAsJsonAsync("/v1/accounts", new { currency = "EUR", name = "Main", balance = 5 }, cancellation);
                await refused.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
                await RefuseHostileInputAsync(client, cancellation);

                await MoveMoneyAsync(client, account.GetProperty("id").GetString()!, cancellation);

                client.DefaultRequestHeaders.Authorization = null;
                var document = await (await client.GetAsync("/openapi/v1.json", cancellation)).AssertJsonAsync(HttpStatusCode.OK);
                Assert.True(document.GetProperty("paths").TryGetProperty("/v1/accounts/{id}", out _));

                var scalar = await client.GetAsync("/scalar/", cancellation);
                Assert.Equal(HttpStatusCode.OK, scalar.StatusCode);
                Assert.Contains("Strongroom API", await scalar.Content.ReadAsStringAsync(cancellation));

                var ready = await (await client.GetAsync("/health/ready", cancellation)).AssertJsonAsync(HttpStatusCode.OK);
                Assert.Equal("Healthy", ready.GetProperty("status").GetString());

                // Over TLS, with the configured certificate (pinned by thumbprint), and told to stay on HTTPS.
                using var tls = new HttpClient(new HttpClientHandler
                {
                    ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented?.Thumbprint == certificate.Thumbprint,
                })
                { BaseAddress = new Uri($"https://127.0.0.1:{tlsPort}") };
                tls.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
                // HSTS is never sent for loopback names, so ask for the service by a real one.
                tls.DefaultRequestHeaders.Host = "api.strongroom.test";
                var overTls = await tls.GetAsync($"/v1/accounts/{account.GetProperty("id").GetString()}", cancellation);
                await overTls.AssertJsonAsync(HttpStatusCode.OK);
                Assert.Contains("max-age=31536000", overTls.Headers.GetValues("Strict-Transport-Security").Single(), StringComparison.Ordinal);

                Assert.True(File.Exists(Path.Combine(workDirectory, "data", "strongroom.db")));
                // Nothing is written outside the data folder: no Data Protection key ring in the home folder.
                Assert.Empty(Directory.GetFileSystemEntries(home));
                process.Refresh();
                TestContext.Current.TestOutputHelper?.WriteLine($"RSS after the run: {process.WorkingSet64 / (1024 * 1024)} MiB");
            }
            finally
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }

            await ReadsTheSettingsBesideItselfAsync(binary, Path.Combine(workDirectory, "elsewhere"), cancellation);
        }
        finally
        {
            TempDirectory.Delete(publishDirectory);
            TempDirectory.Delete(workDirectory);
        }
    }

    private const string AdminEmail = "admin@aot.test";
    private const string AdminPassword = "aot-admin-password";

    /// <summary>The ledger's write path under native AOT: deposit, transfer with replay, statement, snapshot, verify.</summary>
    private static async Task MoveMoneyAsync(HttpClient customer, string accountId, CancellationToken cancellation)
    {
        using var admin = new HttpClient { BaseAddress = customer.BaseAddress };
        var issued = await admin.PostAsync("/v1/auth/token", StrongroomApp.TokenForm(AdminEmail, AdminPassword), cancellation);
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await issued.AssertJsonAsync(HttpStatusCode.OK)).GetProperty("access_token").GetString());

        var deposit = new HttpRequestMessage(HttpMethod.Post, "/v1/deposits") { Content = JsonContent.Create(new { accountId, amount = 10_000L, currency = "EUR" }) };
        deposit.Headers.Add("Idempotency-Key", "aot-deposit");
        await (await admin.SendAsync(deposit, cancellation)).AssertJsonAsync(HttpStatusCode.Created);

        var savings = (await (await customer.PostAsJsonAsync("/v1/accounts", new { currency = "EUR", name = "Savings" }, cancellation))
            .AssertJsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString();
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var transfer = new HttpRequestMessage(HttpMethod.Post, "/v1/transfers")
            {
                Content = JsonContent.Create(new { fromAccountId = accountId, toAccountId = savings, amount = 2_500L, currency = "EUR", metadata = new Dictionary<string, string> { ["ref"] = "aot" } }),
            };
            transfer.Headers.Add("Idempotency-Key", "aot-transfer");
            var response = await customer.SendAsync(transfer, cancellation);
            await response.AssertJsonAsync(HttpStatusCode.Created);
            Assert.Equal(attempt == 1, response.Headers.Contains("Idempotency-Replayed"));
        }

        var statement = await (await customer.GetAsync($"/v1/accounts/{accountId}/entries", cancellation)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal([-2_500L, 10_000L], statement.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("amount").GetInt64()));

        var balances = await (await admin.GetAsync("/v1/admin/ledger/balances", cancellation)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(0, balances.EnumerateArray().Sum(row => row.GetProperty("posted").GetInt64()));
        var verify = await (await admin.GetAsync("/v1/admin/ledger/verify", cancellation)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.True(verify.GetProperty("ok").GetBoolean(), verify.ToString());
    }

    /// <summary>
    /// What the trimmed, source-generated serializer must refuse as the JIT build does (issue 9's
    /// 500s were found against this binary): each a 4xx problem, none a 500.
    /// </summary>
    private static async Task RefuseHostileInputAsync(HttpClient customer, CancellationToken cancellation)
    {
        async Task<HttpResponseMessage> PostAsync(string path, string body, string contentType)
        {
            var content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(body));
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            return await customer.PostAsync(path, content, cancellation);
        }

        await (await PostAsync("/v1/accounts", """{"currency":"EUR","name":"a","NAME":"b"}""", "application/json")).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
        await (await PostAsync("/v1/accounts", """{"currency":"EUR","name":"a\u0000"}""", "application/json")).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
        await (await PostAsync("/v1/accounts", """{"currency":"EUR","name":"a"}""", "application/json; charset=bogus")).AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        await (await PostAsync("/v1/auth/token", "grant_type=password&username=a%00b&password=x", "application/x-www-form-urlencoded")).AssertJsonAsync(HttpStatusCode.BadRequest);
        await (await customer.PostAsync("/v1/auth/revoke", content: null, cancellation)).AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        var batch = new HttpRequestMessage(HttpMethod.Post, "/v1/transfers/batch") { Content = new StringContent("""{"transfers":[null]}""", System.Text.Encoding.UTF8, "application/json") };
        batch.Headers.Add("Idempotency-Key", "aot-null-batch");
        await (await customer.SendAsync(batch, cancellation)).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    /// <summary>
    /// Started from another folder, the binary still reads the <c>appsettings.json</c> shipped beside it
    /// (here: the reference turned off, which the embedded default would serve), while <c>data/</c> is
    /// made in the folder it was started from, not beside the binary.
    /// </summary>
    private static async Task ReadsTheSettingsBesideItselfAsync(string binary, string startedFrom, CancellationToken cancellation)
    {
        var shipped = Path.Combine(Path.GetDirectoryName(binary)!, "appsettings.json");
        var settings = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(shipped, cancellation))!.AsObject();
        settings["Api"] = new System.Text.Json.Nodes.JsonObject { ["Docs"] = new System.Text.Json.Nodes.JsonObject { ["Enabled"] = false } };
        await File.WriteAllTextAsync(shipped, settings.ToJsonString(), cancellation);
        Directory.CreateDirectory(startedFrom);
        await using var service = await ServiceProcess.StartAsync(new Dictionary<string, string>(), startedFrom, binary);
        using var client = new HttpClient { BaseAddress = service.Address };
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/scalar/", cancellation)).StatusCode);
        Assert.True(File.Exists(Path.Combine(startedFrom, "data", "strongroom.db")));
        Assert.False(Directory.Exists(Path.Combine(Path.GetDirectoryName(binary)!, "data")));
    }

    private static async Task<string> PublishAsync(string output, CancellationToken cancellation)
    {
        await RunToEndAsync("dotnet", ["publish", "Api", "-c", "Release", "-r", "linux-x64", "-o", output], Repository.Root(), PublishTimeout);
        var binary = Path.Combine(output, "strongroom");
        Assert.True(File.Exists(binary), $"No binary at {binary}");
        return binary;
    }

    /// <summary>Runs a command to its end within <paramref name="timeout"/>; asserts exit code 0 and returns its output.</summary>
    private static async Task<string> RunToEndAsync(string fileName, string[] arguments, string workingDirectory, TimeSpan timeout)
    {
        var run = await ExternalProcess.RunAsync(fileName, arguments, workingDirectory, timeout);
        Assert.True(run.ExitCode == 0, $"{fileName} {string.Join(' ', arguments)} exited with {run.ExitCode}:\n{run.Output}");
        return run.Output;
    }

    private static async Task WaitUntilLiveAsync(HttpClient client, Process process, IEnumerable<string> output, CancellationToken cancellation)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(process.HasExited, $"The binary exited with {(process.HasExited ? process.ExitCode : 0)}:\n{string.Join('\n', output)}");
            try
            {
                if ((await client.GetAsync("/health/live", cancellation)).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(50, cancellation);
        }

        Assert.Fail($"The binary did not answer /health/live within {StartTimeout.TotalSeconds} s:\n{string.Join('\n', output)}");
    }

    private static X509Certificate2 SelfSignedCertificate()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddHours(1));
    }
}
