using System.Text.RegularExpressions;

namespace CaaS.Sandbox.Stripe;

/// <summary>
/// PaymentIntent search, as far as the platform uses it: one metadata['key']:'value' clause, over what
/// the search index holds, which lags behind writes (<see cref="StripeLedger.SearchLag"/>).
/// </summary>
public static partial class StripeApi
{
    private static Outcome Search(StripeLedger ledger, string? query, bool expandCharge)
    {
        var match = query is null ? null : MetadataQuery().Match(query);
        if (match is not { Success: true })
        {
            return Error(400, "invalid_request_error", "parameter_invalid_string", "Only metadata['key']:'value' queries are supported by the sandbox.", "query");
        }

        var data = ledger.WithMetadata(match.Groups["key"].Value, match.Groups["value"].Value).Where(intent => ledger.Searchable(intent.SearchableFrom)).Select(intent => ledger.Render(intent, expandCharge)).ToArray();
        return new Outcome(200, new { @object = "search_result", data, has_more = false, next_page = (string?)null, url = "/v1/payment_intents/search" }, []);
    }

    [GeneratedRegex(@"^metadata\['(?<key>[^']+)'\]:'(?<value>[^']*)'$")]
    private static partial Regex MetadataQuery();
}
