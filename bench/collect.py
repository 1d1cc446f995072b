#!/usr/bin/env python3
"""Writes the request-path lists the district benchmark rotates over, gathered through
the API itself (paging with @odata.nextLink), so the benchmark depends on nothing but
the server:

    collect.py BASE_URL TOKEN OUT_DIR

OUT_DIR/members.paths  GET /v1.0/education/classes/{id}/members for every class
OUT_DIR/filter.paths   GET /v1.0/education/users?$filter=student/externalId eq '...'
                       for every student
OUT_DIR/user.path      GET /v1.0/education/users/{id} of one student
Standard library only: it runs before (and without) any virtual environment.
"""

import json
import random
import sys
import urllib.parse
import urllib.request


def fetch_all(base, token, path):
    """Every item of a collection, following nextLinks."""
    url, items = base + path, []
    while url:
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=120) as response:
            page = json.load(response)
        items.extend(page["value"])
        url = page.get("@odata.nextLink")
    return items


def main():
    base, token, out = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
    quote = urllib.parse.quote
    classes = fetch_all(base, token, "/v1.0/education/classes?$select=id&$top=999")
    students = fetch_all(
        base,
        token,
        "/v1.0/education/users?" + "&".join(
            [
                "$filter=" + quote("primaryRole eq 'student'", safe=""),
                "$select=id,student",
                "$top=999",
            ]
        ),
    )
    # A fixed shuffle: consecutive requests touch unrelated rows, and runs stay comparable.
    rng = random.Random(1)
    rng.shuffle(classes)
    rng.shuffle(students)
    with open(f"{out}/members.paths", "w") as f:
        for c in classes:
            f.write(f"/v1.0/education/classes/{c['id']}/members\n")
    with open(f"{out}/filter.paths", "w") as f:
        for s in students:
            external = s["student"]["externalId"]
            expr = quote(f"student/externalId eq '{external}'", safe="/")
            f.write(f"/v1.0/education/users?$filter={expr}\n")
    with open(f"{out}/user.path", "w") as f:
        f.write(f"/v1.0/education/users/{students[0]['id']}\n")
    print(f"{len(classes)} classes, {len(students)} students")


if __name__ == "__main__":
    main()
