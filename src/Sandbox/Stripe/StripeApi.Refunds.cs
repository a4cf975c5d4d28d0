using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace CaaS.Sandbox.Stripe;

/// <summary>Refunds, and Stripe's list shape shared by the PaymentIntent and refund lists.</summary>
public static partial class StripeApi
{
    private static Outcome Refund(StripeLedger ledger, Dictionary<string, StringValues> form)
    {
        var id = form.GetValueOrDefault("payment_intent").ToString();
        if (ledger.Find(id) is not { } intent)
        {
            return Missing(id);
        }

        var unrefunded = intent.AmountReceived - intent.Refunded;
        if (intent.Status != "succeeded" || unrefunded <= 0)
        {
            return Error(400, "invalid_request_error", "charge_already_refunded", $"{id} has nothing left to refund.", "payment_intent");
        }

        var amount = unrefunded;
        if (form.TryGetValue("amount", out var requested)
            && (!long.TryParse(requested, NumberStyles.None, CultureInfo.InvariantCulture, out amount) || amount <= 0 || amount > unrefunded))
        {
            return Error(400, "invalid_request_error", "amount_too_large", "amount must be positive and at most what is unrefunded.", "amount");
        }

        var refund = new StripeLedger.Refund("re_" + StripeLedger.NewId(), amount, intent.Currency, intent.Id, intent.LatestCharge, "succeeded", ledger.Now,
            new Dictionary<string, string>(intent.Metadata));
        intent.Refunds.Add(refund);
        return new Outcome(200, refund, [("charge.refunded", ledger.ChargeOf(intent))]);
    }

    private static Outcome ListRefunds(StripeLedger ledger, IQueryCollection query)
    {
        var paymentIntent = query["payment_intent"].ToString();
        var refunds = ledger.All.Where(intent => paymentIntent.Length == 0 || intent.Id == paymentIntent).SelectMany(intent => intent.Refunds);
        return List(query, "/v1/refunds", refunds, refund => refund.Id, refund => refund.Created, refund => refund, "refund");
    }

    /// <summary>
    /// Stripe's list shape: newest first (the items come in creation order), created[gte|gt|lte|lt] filters, limit 1..100,
    /// starting_after (the next older page) or ending_before (the page just newer than the cursor, still newest first);
    /// a cursor that names nothing in the list is refused as Stripe refuses an unknown id.
    /// </summary>
    private static Outcome List<T>(IQueryCollection query, string url, IEnumerable<T> items, Func<T, string> idOf, Func<T, long> createdOf,
        Func<T, object> wire, string objectName)
    {
        var limit = 10;
        if (query.TryGetValue("limit", out var requested)
            && (!int.TryParse(requested, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 100))
        {
            return Error(400, "invalid_request_error", "parameter_invalid_integer", "limit must be an integer between 1 and 100.", "limit");
        }

        var bounds = new List<Func<long, bool>>();
        foreach (var (name, test) in new (string, Func<long, long, bool>)[]
                 {
                     ("gte", (created, bound) => created >= bound), ("gt", (created, bound) => created > bound),
                     ("lte", (created, bound) => created <= bound), ("lt", (created, bound) => created < bound),
                 })
        {
            if (!query.TryGetValue($"created[{name}]", out var value))
            {
                continue;
            }

            if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var bound))
            {
                return Error(400, "invalid_request_error", "parameter_invalid_integer", $"created[{name}] must be a unix time.", $"created[{name}]");
            }

            bounds.Add(created => test(created, bound));
        }

        var all = items.Reverse().ToList();
        var newestFirst = all.Where(item => bounds.All(bound => bound(createdOf(item)))).ToList();
        T[] page;
        bool hasMore;
        if (query["ending_before"].ToString() is { Length: > 0 } before)
        {
            if (!all.Any(item => idOf(item) == before))
            {
                return Error(400, "invalid_request_error", "resource_missing", $"No such {objectName}: '{before}'", "ending_before");
            }

            var newer = newestFirst.TakeWhile(item => idOf(item) != before).ToList();
            page = [.. newer.Skip(Math.Max(0, newer.Count - limit))];
            hasMore = newer.Count > limit;
        }
        else
        {
            IEnumerable<T> older = newestFirst;
            if (query["starting_after"].ToString() is { Length: > 0 } after)
            {
                if (!all.Any(item => idOf(item) == after))
                {
                    return Error(400, "invalid_request_error", "resource_missing", $"No such {objectName}: '{after}'", "starting_after");
                }

                older = newestFirst.SkipWhile(item => idOf(item) != after).Skip(1);
            }

            var taken = older.Take(limit + 1).ToArray();
            page = [.. taken.Take(limit)];
            hasMore = taken.Length > limit;
        }

        return new Outcome(200, new { @object = "list", data = page.Select(wire).ToArray(), has_more = hasMore, url }, []);
    }
}
