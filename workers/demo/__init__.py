"""``permis demo``: the whole pipeline on the sample messages, embedded or over RabbitMQ."""
