"""Pages of the policy catalogue (drafting, consultation, publishing) and of delivery (政策找企:
eligible lists, explanations, policies for me, notifications, grant batches, applications)."""

# ---------------------------------------------------------------------------------------------
# Catalogue


# ---------------------------------------------------------------------------------------------
# Delivery
