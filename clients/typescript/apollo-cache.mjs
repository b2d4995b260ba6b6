// The Apollo Client cache a mongraph frontend uses (README, "Use it from a frontend"),
// held to the gateway by cache-check.mjs (tests/clients/test_apollo_cache.py).
//
// Lists are plain: Apollo's default, one cache entry per field and arguments. The
// operations of ../operations/ fix their page sizes in fragments, and each mutation's
// payload re-reads the lists it changed with the same arguments, so its response
// replaces exactly the entries the screens read. Objects are normalized by
// `__typename:id` (Apollo's default), which is why nothing else is needed: a payload's
// `clip`, `scene`, `parent`, ... update every list that holds them.
import { InMemoryCache } from "@apollo/client";

export const typePolicies = {
  UserProfile: {
    fields: {
      // A person is a `User` to themself and to admins (their account: identities,
      // wallets, keys, balance) and a `UserProfile` to everyone else (id and name), under
      // the same global id. They stay two entries: one id for both would merge the private
      // account into the public profile and leave `__typename` to whichever was written
      // last. The profile reads the name from the account when the cache holds it, so a
      // name seen through either is the same in both.
      displayName: {
        read(existing, { readField, toReference }) {
          const account = toReference({ __typename: "User", id: readField("id") });
          return (account && readField("displayName", account)) ?? existing;
        },
      },
    },
  },
};

export function makeCache() {
  return new InMemoryCache({ typePolicies });
}

// The types a purge removes from the database for good.
const PURGEABLE = ["Project", "Scene", "Clip", "Character", "Conversation", "Message"];

// The one manual cache operation: after a purge, the objects its `affectedIds` name no
// longer exist anywhere, so they leave the cache too (the payload's `query` has already
// re-read the lists that held them). Global ids are opaque, so each is tried with every
// type it can be.
export function evictPurged(cache, affectedIds) {
  for (const id of affectedIds) {
    for (const __typename of PURGEABLE) {
      cache.evict({ id: cache.identify({ __typename, id }) });
    }
  }
  cache.gc();
}
