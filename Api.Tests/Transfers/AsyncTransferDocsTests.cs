using System.Net;
using System.Text.Json;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Transfers;

/// <summary>The OpenAPI document tells a client about Prefer: respond-async and the 202 it brings.</summary>
public sealed class AsyncTransferDocsTests(DocsEnabledApp app) : IClassFixture<DocsEnabledApp>
{
    [Theory]
    [InlineData("/v1/transfers", "AsyncTransferAccepted", true)]
    [InlineData("/v1/transfers/batch", "AsyncBatchAccepted", false)]
    public async Task Both_operations_document_the_Prefer_header_and_their_202(string path, string schema, bool location)
    {
        var document = await (await app.CreateClient().GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);
        var operation = document.GetProperty("paths").GetProperty(path).GetProperty("post");

        var prefer = operation.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "Prefer");
        Assert.Equal("header", prefer.GetProperty("in").GetString());
        Assert.False(prefer.TryGetProperty("required", out var required) && required.GetBoolean());
        Assert.Contains("respond-async", prefer.GetProperty("description").GetString());
        var accepted = operation.GetProperty("responses").GetProperty("202");
        Assert.EndsWith($"/{schema}", accepted.GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        var headers = accepted.GetProperty("headers");
        Assert.True(headers.TryGetProperty("Preference-Applied", out _));
        // A batch's 202 names no single resource: Location is not promised there (as on its 201).
        Assert.True(headers.TryGetProperty("Location", out var locationHeader));
        Assert.Equal(location, locationHeader.TryGetProperty("$ref", out _) || (locationHeader.TryGetProperty("required", out var isRequired) && isRequired.GetBoolean()));
        var transfer = document.GetProperty("components").GetProperty("schemas").GetProperty("TransferResponse").GetProperty("properties");
        Assert.Contains("processing", transfer.GetProperty("status").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("failed", transfer.GetProperty("status").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.True(transfer.TryGetProperty("failure", out _));
        Assert.Equal(JsonValueKind.Object, document.GetProperty("components").GetProperty("schemas").GetProperty("TransferFailure").ValueKind);
    }
}
