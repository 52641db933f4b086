using System.Net;
using Microsoft.Data.Sqlite;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Hosting;

/// <summary>Every error a client can meet is an RFC 9457 problem with a stable code and the trace id.</summary>
public sealed class ErrorResponseTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    [Fact]
    public async Task An_unknown_path_is_a_404_problem_for_anyone()
    {
        var anonymous = await app.CreateClient().GetAsync("/v1/nothing-here");
        var user = await app.RegisterAndSignInAsync();
        var signedIn = await user.Client.GetAsync("/v1/nothing-here");

        await anonymous.AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await signedIn.AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_wrong_method_is_a_405_problem()
    {
        var response = await app.CreateClient().DeleteAsync("/v1/auth/register", TestContext.Current.CancellationToken);

        await response.AssertProblemAsync(HttpStatusCode.MethodNotAllowed, "method_not_allowed");
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_a_415_problem()
    {
        var response = await app.CreateClient().PostRawAsync("/v1/auth/register", "email=a@b.test", "text/plain");

        await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task A_body_over_the_limit_is_a_413_problem()
    {
        var huge = $$"""{"email":"a@b.test","password":"correct horse battery","fullName":"{{new string('x', 70 * 1024)}}"}""";

        var response = await app.CreateClient().PostRawAsync("/v1/auth/register", huge, "application/json");

        await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task Malformed_json_is_a_400_problem_that_says_where()
    {
        var response = await app.CreateClient().PostRawAsync("/v1/auth/register", """{"email": "a@b.test", "password": """, "application/json");

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
        Assert.Contains("$", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_server_fault_is_a_500_problem_without_internals()
    {
        var user = await app.RegisterAndSignInAsync();
        var broken = new SqliteApp();
        await broken.InitializeAsync();
        try
        {
            var victim = await broken.RegisterAndSignInAsync();
            // Break the database under the running service: the next read fails inside the handler.
            await using (var connection = new SqliteConnection($"Data Source={broken.DatabasePath}"))
            {
                await connection.OpenAsync(TestContext.Current.CancellationToken);
                await using var command = connection.CreateCommand();
                command.CommandText = "DROP TABLE accounts";
                await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
            }

            var response = await victim.Client.GetAsync("/v1/accounts");

            var problem = await response.AssertProblemAsync(HttpStatusCode.InternalServerError, "internal_error");
            var text = problem.ToString();
            Assert.DoesNotContain("Sqlite", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(" at ", text, StringComparison.Ordinal);
            Assert.DoesNotContain("accounts", text, StringComparison.Ordinal);
        }
        finally
        {
            await broken.DisposeAsync();
        }

        // The fault stayed in that instance; this one is unaffected.
        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync("/v1/accounts")).StatusCode);
    }
}
