"""The staff side: the platform-neutral staff desk and the corrections it posts.

``desk`` posts escalations to staff, delivers their answers, retries and keeps replicas from
acting twice; ``corrections`` tells threads when a document they were given has changed.
"""
